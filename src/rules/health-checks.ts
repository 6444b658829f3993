// --ping-user-agent and --gcp-healthchecks with oauth2-proxy's fixed semantics (GHSA-5hvv): a
// health-check User-Agent never opens any other path. When a health-check agent is configured, the
// liveness paths answer only that agent; everyone else on those paths goes through authentication
// like any other request.
export interface HealthCheckOptions {
  pingPath: string;
  pingUserAgent: string;
  gcpHealthchecks: boolean;
}

export const GCP_USER_AGENT = 'GoogleHC/1.0';
export const GCP_LIVENESS_PATH = '/liveness_check';
export const GCP_READINESS_PATH = '/readiness_check';

/** Whether a request on a probe path is answered as a probe. */
export function createProbeFilter(o: HealthCheckOptions): (path: string, userAgent: string | undefined) => boolean {
  const agents = new Set<string>();
  if (o.pingUserAgent !== '') agents.add(o.pingUserAgent);
  if (o.gcpHealthchecks) agents.add(GCP_USER_AGENT);
  if (agents.size === 0) return () => true;
  const livenessPaths = new Set([o.pingPath, ...(o.gcpHealthchecks ? [GCP_LIVENESS_PATH] : [])]);
  return (path, ua) => !livenessPaths.has(path) || (ua !== undefined && agents.has(ua));
}
