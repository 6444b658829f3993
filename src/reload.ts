// Configuration reload without a restart, on SIGHUP or when a mounted configuration file (or the
// --policy-file) changes
// (a ConfigMap update swaps the files behind a symlink). The new configuration is loaded from the
// same arguments and environment and validated in full; the App built from it must finish its
// start-up (provider discovery) before it takes over. Anything that fails leaves the running
// configuration in place with one log line saying why. Listener addresses and log settings need new
// sockets or files: a change to them is reported and not applied.
import { createHash } from 'node:crypto';
import { readFileSync, watch, type FSWatcher } from 'node:fs';
import { basename, dirname } from 'node:path';
import type { App } from './app.js';
import { loadConfig, type Config } from './config/index.js';
import type { Log } from './log.js';

export interface ReloadDeps {
  argv: string[];
  env: Record<string, string | undefined>;
  log: Log;
  initial: Config;
  /** Builds and starts (discovery) an App; rejects when it cannot. */
  build(config: Config): Promise<App>;
  swap(app: App, config: Config): void;
  /** Settings that cannot change without a restart, as one comparable string per area. */
  fixed(config: Config): Record<string, string>;
}

export interface Reloader {
  /** Resolves true when the new configuration is serving. */
  reload(trigger: string): Promise<boolean>;
  /** Watches the configuration files named by the current configuration. */
  watchFiles(opts?: { debounceMs?: number }): void;
  close(): void;
}

export function createReloader(deps: ReloadDeps): Reloader {
  let current = deps.initial;
  let running: Promise<boolean> | undefined;
  let again: string | undefined;
  const watchers: FSWatcher[] = [];
  const fingerprints = new Map<string, string>();

  const fingerprint = (path: string) => {
    try { return createHash('sha256').update(readFileSync(path)).digest('hex'); } catch { return ''; }
  };

  async function attempt(trigger: string): Promise<boolean> {
    const loaded = loadConfig(deps.argv, deps.env);
    if (!loaded.ok) {
      deps.log.error('configuration reload refused; the current configuration keeps serving', { trigger, problems: loaded.errors });
      return false;
    }
    const next = loaded.config;
    const before = deps.fixed(current);
    const after = deps.fixed(next);
    const needRestart = Object.keys(after).filter((k) => after[k] !== before[k]);
    if (needRestart.length > 0) {
      deps.log.warn('configuration reload: these settings only change with a restart and were not applied', { trigger, settings: needRestart });
    }
    let app: App;
    try {
      app = await deps.build(next);
    } catch (err) {
      deps.log.error('configuration reload refused; the current configuration keeps serving', { trigger, problems: [err instanceof Error ? err.message : String(err)] });
      return false;
    }
    deps.swap(app, next);
    current = next;
    deps.log.info('configuration reloaded', { trigger });
    return true;
  }

  function reload(trigger: string): Promise<boolean> {
    if (running) {
      // One reload at a time; changes made meanwhile are picked up by one more run.
      again = trigger;
      return running;
    }
    running = attempt(trigger).finally(() => {
      running = undefined;
      if (again !== undefined) {
        const t = again;
        again = undefined;
        void reload(t);
      }
    });
    return running;
  }

  return {
    reload,
    watchFiles(opts = {}) {
      // The policy file too: an edited route table takes effect, or is refused whole, like any setting.
      const files = [current.config, current.alphaConfig, current.policyFile].filter((f) => f !== '');
      let timer: NodeJS.Timeout | undefined;
      const check = () => {
        timer = undefined;
        const changed = files.filter((f) => {
          const now = fingerprint(f);
          if (now === fingerprints.get(f)) return false;
          fingerprints.set(f, now);
          return true;
        });
        if (changed.length > 0) void reload(`file changed: ${changed.map((f) => basename(f)).join(', ')}`);
      };
      for (const f of files) fingerprints.set(f, fingerprint(f));
      for (const dir of new Set(files.map((f) => dirname(f)))) {
        try {
          const w = watch(dir, { persistent: false }, () => {
            if (timer) clearTimeout(timer);
            timer = setTimeout(check, opts.debounceMs ?? 200);
            timer.unref();
          });
          w.on('error', () => { /* SIGHUP still works */ });
          watchers.push(w);
        } catch {
          deps.log.warn('cannot watch the configuration directory; reload with SIGHUP', { directory: dir });
        }
      }
    },
    close() {
      for (const w of watchers) w.close();
    },
  };
}
