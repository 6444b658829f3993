// What every benchmarked target (a peer, oauth2-sidecar in one of its modes, or the bare upstream)
// hands to the runner: where to send load, with which credentials, and which processes to watch.

export interface Target {
  /** Row label in the report, e.g. "Apache 2.4 + mod_auth_openidc, server-cache sessions". */
  label: string;
  /** Stable key for the JSON report, e.g. "apache-server-cache". */
  key: string;
  /** The URL wrk loads (always http://127.0.0.1:<port>/...). */
  url: string;
  /** Request headers wrk sends with every request: the session cookie or a bearer token. */
  headers: Record<string, string>;
  /** PIDs of the target's own processes (children are found by walking /proc), for CPU and memory. */
  pids(): number[];
  /** false for rows that answer without the upstream (none today; kept for honesty in the report). */
  reachesUpstream: boolean;
  /** Stops what this target started, by PID, and waits until those processes are gone. */
  stop(): Promise<void>;
}
