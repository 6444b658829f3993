// The Helm chart, checked without helm (not installable here): Chart.yaml and values.yaml parse,
// every value the templates read is declared in values.yaml, every template helper is defined,
// every file the templates embed exists, and the configuration it writes uses the same oauth2-proxy
// keys as the kustomize base. Rendering with `helm template` is left to a machine that has helm.
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { parse as parseToml } from 'smol-toml';
import { parse as parseYaml } from 'yaml';
import { optionByKey } from '../../src/config/index.js';
import { fromRoot } from './k8s.js';

const CHART = fromRoot('deploy', 'helm', 'oauth2-sidecar');
const templates = readdirSync(join(CHART, 'templates')).map((f) => ({ file: f, text: readFileSync(join(CHART, 'templates', f), 'utf8') }));
const values = parseYaml(readFileSync(join(CHART, 'values.yaml'), 'utf8')) as Record<string, unknown>;

function has(obj: unknown, path: string[]): boolean {
  let v: unknown = obj;
  for (const k of path) {
    if (typeof v !== 'object' || v === null || !(k in v)) return false;
    v = (v as Record<string, unknown>)[k];
  }
  return true;
}

describe('Helm chart deploy/helm/oauth2-sidecar', () => {
  it('Chart.yaml is a v2 application chart', () => {
    const chart = parseYaml(readFileSync(join(CHART, 'Chart.yaml'), 'utf8')) as Record<string, string>;
    assert.equal(chart.apiVersion, 'v2');
    assert.equal(chart.name, 'oauth2-sidecar');
    assert.match(chart.version, /^\d+\.\d+\.\d+$/);
    assert.equal(chart.appVersion, JSON.parse(readFileSync(fromRoot('package.json'), 'utf8')).version);
  });

  it('offers the values a platform team expects', () => {
    for (const path of [
      'domain', 'cookieDomain', 'image.repository', 'image.tag', 'resources.limits.memory',
      'oauth.provider', 'oauth.clientID', 'oauth.clientSecret', 'oauth.cookieSecret', 'oauth.existingSecret',
      'oauth.github.org', 'oauth.github.team', 'oauth.google.hostedDomain', 'oauth.azure.tenant',
      'oauth.oidc.issuerURL', 'oauth.oidc.extraScopes',
      'istio.gateway.create', 'istio.gateway.existingGateway', 'istio.gateway.hosts', 'istio.gateway.tls',
    ]) {
      assert.ok(has(values, path.split('.')), `values.yaml declares ${path}`);
    }
    assert.deepEqual(values.resources, { requests: { memory: '64Mi', cpu: '50m' }, limits: { memory: '128Mi', cpu: '200m' } });
  });

  it('templates read only declared values, use only defined helpers and existing files', () => {
    const defined = new Set<string>();
    for (const t of templates) for (const m of t.text.matchAll(/\{\{-?\s*define\s+"([^"]+)"/g)) defined.add(m[1]!);
    for (const t of templates) {
      const opens = (t.text.match(/\{\{/g) ?? []).length;
      assert.equal(opens, (t.text.match(/\}\}/g) ?? []).length, `${t.file}: balanced {{ }}`);
      for (const m of t.text.matchAll(/\.Values((?:\.[A-Za-z0-9_]+)+)/g)) {
        assert.ok(has(values, m[1]!.slice(1).split('.')), `${t.file}: .Values${m[1]} is declared in values.yaml`);
      }
      for (const m of t.text.matchAll(/include\s+"([^"]+)"/g)) assert.ok(defined.has(m[1]!), `${t.file}: helper ${m[1]} is defined`);
      for (const m of t.text.matchAll(/\.Files\.Get\s+"([^"]+)"/g)) assert.ok(existsSync(join(CHART, m[1]!)), `${t.file}: ${m[1]} exists`);
      const blocks = (t.text.match(/\{\{-?\s*(if|with|range|define)\b/g) ?? []).length;
      assert.equal(blocks, (t.text.match(/\{\{-?\s*end\s*-?\}\}/g) ?? []).length, `${t.file}: every block is closed`);
    }
  });

  it("writes the base's configuration keys, and only oauth2-proxy keys", () => {
    const base = parseToml(readFileSync(fromRoot('deploy', 'kubernetes', 'base', 'shared', 'oauth2_proxy.cfg'), 'utf8'));
    const cfg = templates.find((t) => t.file === 'configmap.yaml')!.text;
    const keys = new Set([...cfg.matchAll(/^\s{4}([a-z_]+) = /gm)].map((m) => m[1]!));
    for (const key of Object.keys(base)) if (key !== 'provider_display_name') assert.ok(keys.has(key), `the chart writes ${key}`);
    for (const key of keys) assert.ok(optionByKey(key), `${key} is an oauth2-proxy TOML key`);
    for (const key of ['github_org', 'github_team', 'azure_tenant', 'scope', 'oidc_issuer_url']) assert.ok(keys.has(key), `provider restriction ${key}`);
  });

  it('embeds the same page templates as the kustomize base', () => {
    for (const f of ['sign_in.html', 'error.html']) {
      assert.equal(readFileSync(join(CHART, 'files', f), 'utf8'), readFileSync(fromRoot('deploy', 'kubernetes', 'base', 'shared', 'templates', f), 'utf8'));
    }
  });
});
