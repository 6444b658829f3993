// `oauth2-sidecar inject`: the offline form of injection, for GitOps. Reads Kubernetes YAML from a
// file or stdin and writes it back with the sidecar added (see manifests.ts).
import { readFileSync } from 'node:fs';
import { packageVersion } from '../config/index.js';
import { parseFlags, parseImage, parseK8sName, type FlagSpec } from './flags.js';
import { injectManifests, type InjectOptions } from './manifests.js';
import { parseHost, parsePort, SIDECAR_NODE_OPTIONS } from './sidecar.js';

export interface InjectIo {
  stdin: AsyncIterable<Buffer | string>;
  stdout: { write(s: string): unknown };
  stderr: { write(s: string): unknown };
}

export const DEFAULT_IMAGE_REPOSITORY = 'ghcr.io/oauth2-sidecar/oauth2-sidecar';

const FLAGS: Record<string, FlagSpec> = {
  filename: { alias: 'f' },
  host: {},
  'upstream-port': {},
  image: {},
  'config-map': {},
  'templates-config-map': {},
  secret: {},
  gateway: {},
  workload: {},
  help: { boolean: true, alias: 'h' },
};

export const INJECT_HELP = `Usage: oauth2-sidecar inject [flags] [FILE | -]

Adds the oauth2-sidecar container to the Deployments (StatefulSets, DaemonSets, ReplicaSets, Pods)
in Kubernetes YAML and writes the result to standard output: the sidecar on :4180 in front of the
app on 127.0.0.1:<upstream port>, its ConfigMap and Secret wiring, probes and resources; Services
selecting the app are pointed at the sidecar; with --host, a VirtualService for that host is added.
Running it again on its own output changes nothing. Workloads annotated
oauth2-sidecar/inject: "false" are left alone.

  -f, --filename FILE          read FILE (default: standard input; "-" also means standard input)
  --host HOST                  the app's public host: sets the redirect URL and adds a VirtualService
  --upstream-port PORT         the app's port (default: annotation oauth2-sidecar/upstream-port,
                               else the app container's first port, else 8080)
  --image IMAGE                sidecar image (default ${DEFAULT_IMAGE_REPOSITORY}:<version>)
  --config-map NAME            ConfigMap holding oauth2_proxy.cfg (default oauth2-proxy-config)
  --templates-config-map NAME  ConfigMap holding the page templates (default oauth2-proxy-templates)
  --secret NAME                Secret with client-id, client-secret, cookie-secret (default oauth2-proxy-secret)
  --gateway NAME               Istio Gateway for the VirtualService (default apps-gateway)
  --workload NAME              only this workload
`;

async function readAll(stream: AsyncIterable<Buffer | string>): Promise<string> {
  let text = '';
  for await (const chunk of stream) text += typeof chunk === 'string' ? chunk : chunk.toString('utf8');
  return text;
}

export function injectOptions(values: Map<string, string>): InjectOptions {
  const get = (k: string) => values.get(k);
  const upstream = get('upstream-port');
  const host = get('host');
  const workload = get('workload');
  return {
    image: parseImage(get('image') ?? `${DEFAULT_IMAGE_REPOSITORY}:${packageVersion()}`, '--image'),
    configMap: parseK8sName(get('config-map') ?? 'oauth2-proxy-config', '--config-map'),
    templatesConfigMap: parseK8sName(get('templates-config-map') ?? 'oauth2-proxy-templates', '--templates-config-map'),
    secret: parseK8sName(get('secret') ?? 'oauth2-proxy-secret', '--secret'),
    gateway: parseK8sName(get('gateway') ?? 'apps-gateway', '--gateway'),
    nodeOptions: SIDECAR_NODE_OPTIONS,
    ...(upstream !== undefined ? { upstreamPort: parsePort(upstream, '--upstream-port') } : {}),
    ...(host !== undefined ? { host: parseHost(host, '--host') } : {}),
    ...(workload !== undefined ? { workload: parseK8sName(workload, '--workload') } : {}),
  };
}

export async function runInject(argv: string[], io: InjectIo): Promise<number> {
  let options: InjectOptions;
  let source: string;
  try {
    const { values, positional } = parseFlags(argv, FLAGS);
    if (values.get('help') === 'true') {
      io.stdout.write(INJECT_HELP);
      return 0;
    }
    if (positional.length > 1 || (positional.length === 1 && values.has('filename'))) throw new Error('give one input: a FILE argument or --filename');
    source = values.get('filename') ?? positional[0] ?? '-';
    options = injectOptions(values);
  } catch (err) {
    io.stderr.write(`oauth2-sidecar inject: ${(err as Error).message}\n(see oauth2-sidecar inject --help)\n`);
    return 2;
  }
  try {
    const text = source === '-' ? await readAll(io.stdin) : readFileSync(source, 'utf8');
    const result = injectManifests(text, options);
    io.stdout.write(result.yaml);
    for (const n of result.notes) io.stderr.write(`oauth2-sidecar inject: ${n}\n`);
    return 0;
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    io.stderr.write(`oauth2-sidecar inject: ${e.code === 'ENOENT' ? `${source}: no such file` : e.message}\n`);
    return 1;
  }
}
