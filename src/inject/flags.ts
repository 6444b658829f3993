// Flags of the inject subcommands: `--name=value` or `--name value`, each known name once, and an
// error naming the flag for anything else.

export interface FlagSpec {
  /** Takes no value. */
  boolean?: boolean;
  alias?: string;
}

export interface ParsedFlags {
  values: Map<string, string>;
  positional: string[];
}

export function parseFlags(argv: string[], specs: Record<string, FlagSpec>): ParsedFlags {
  const byName = new Map<string, string>();
  for (const [name, spec] of Object.entries(specs)) {
    byName.set(name, name);
    if (spec.alias) byName.set(spec.alias, name);
  }
  const values = new Map<string, string>();
  const positional: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '-' || !arg.startsWith('-')) {
      positional.push(arg);
      continue;
    }
    const eq = arg.indexOf('=');
    const raw = (eq === -1 ? arg : arg.slice(0, eq)).replace(/^--?/, '');
    const name = byName.get(raw);
    if (name === undefined) throw new Error(`--${raw}: unknown flag`);
    if (values.has(name)) throw new Error(`--${name}: given more than once`);
    if (specs[name]!.boolean) {
      if (eq !== -1 && !['true', 'false'].includes(arg.slice(eq + 1))) throw new Error(`--${name}: takes true or false`);
      values.set(name, eq === -1 ? 'true' : arg.slice(eq + 1));
      continue;
    }
    let value: string | undefined;
    if (eq !== -1) value = arg.slice(eq + 1);
    else if (i + 1 < argv.length) value = argv[++i];
    if (value === undefined || value === '') throw new Error(`--${name}: needs a value`);
    values.set(name, value);
  }
  return { values, positional };
}

const K8S_NAME = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;

export function parseK8sName(value: string, flag: string): string {
  if (!K8S_NAME.test(value)) throw new Error(`${flag}: ${JSON.stringify(value)} is not a Kubernetes object name`);
  return value;
}

export function parseImage(value: string, flag: string): string {
  if (/\s/.test(value) || value.length > 512) throw new Error(`${flag}: ${JSON.stringify(value)} is not an image reference`);
  return value;
}
