// A real browser signs in through the demo, exactly as the README tells a person to.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Browser } from 'playwright-core';
import { launchBrowser } from '../support/browser.js';
import { freePort } from '../support/ports.js';
import { startBin, type Started } from '../support/spawn.js';

describe('demo in a browser', () => {
  let browser: Browser;
  let demo: Started;
  let proxyPort: number;
  before(async () => {
    proxyPort = await freePort();
    const idpPort = await freePort();
    const appPort = await freePort();
    demo = await startBin(
      ['--demo', `--http-address=127.0.0.1:${proxyPort}`, `--dev-oidc-provider=127.0.0.1:${idpPort}`, `--upstream=http://127.0.0.1:${appPort}`],
      {},
      /demo is running/,
    );
    browser = await launchBrowser();
  });
  after(async () => {
    await browser?.close();
    demo?.child.kill('SIGTERM');
    if (demo) assert.equal(await demo.exited, 0);
  });

  it('signs in as a demo user and sees the app greet them', async () => {
    const page = await browser.newPage();
    await page.goto(`http://127.0.0.1:${proxyPort}/`);
    await page.getByRole('button', { name: /sign in/i }).click();
    await page.waitForURL(/\/interaction\//);
    await page.getByLabel(/user/i).fill('alice');
    await page.getByLabel(/password/i).fill('password');
    await page.getByRole('button', { name: /sign in|log in|continue/i }).click();
    await page.waitForURL(`http://127.0.0.1:${proxyPort}/`);
    const heading = await page.getByRole('heading', { level: 1 }).textContent();
    assert.match(heading ?? '', /Hello alice/);
    const table = await page.locator('table').textContent();
    assert.match(table ?? '', /x-forwarded-email\s*alice@example\.com/);

    await page.getByRole('link', { name: /sign out/i }).click();
    await page.waitForURL(`http://127.0.0.1:${proxyPort}/`);
    assert.ok(await page.getByRole('button', { name: /sign in/i }).isVisible(), 'signed out: the sign-in page again');
    await page.close();
  });
});
