// Headless Chromium from Debian's package, driven by playwright-core (no browser download).
import { chromium, type Browser } from 'playwright-core';
import { requireBinary } from './deps.js';

export async function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: requireBinary('chromium'),
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
  });
}
