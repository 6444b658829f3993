// Which peers may tell us about the original request (X-Forwarded-*, the real client IP header).
// oauth2-proxy trusts those headers only with --reverse-proxy and a peer inside --trusted-proxy-ip
// (an empty list meaning every peer). We keep that rule and apply it to the client-IP header too,
// which oauth2-proxy reads from any peer.
import { BlockList, isIP } from 'node:net';

export interface TrustOptions {
  reverseProxy: boolean;
  trustedProxyIps: string[];
  realClientIpHeader: string;
}

export interface Trust {
  /** true when this peer's forwarded headers are believed. */
  trusts(peer: string): boolean;
  /** The client address to log, to match rules against and to append to X-Forwarded-For. */
  clientIp(peer: string, headers: Record<string, string | string[] | undefined>, trusted: boolean): string;
}

export function normaliseIp(addr: string | undefined): string {
  if (!addr) return '';
  return addr.startsWith('::ffff:') && isIP(addr.slice(7)) === 4 ? addr.slice(7) : addr;
}

export function createTrust(opts: TrustOptions): Trust {
  const list = new BlockList();
  for (const entry of opts.trustedProxyIps) {
    const [ip, bits] = entry.split('/');
    const family = isIP(ip) === 6 ? 'ipv6' : 'ipv4';
    if (bits === undefined) list.addAddress(ip, family);
    else list.addSubnet(ip, Number(bits), family);
  }
  const everyone = opts.trustedProxyIps.length === 0;
  const headerName = opts.realClientIpHeader.toLowerCase();

  return {
    trusts(peer) {
      if (!opts.reverseProxy) return false;
      if (everyone) return true;
      const family = isIP(peer);
      return family !== 0 && list.check(peer, family === 6 ? 'ipv6' : 'ipv4');
    },
    clientIp(peer, headers, trusted) {
      if (!trusted) return peer;
      const raw = headers[headerName];
      const value = Array.isArray(raw) ? raw[0] : raw;
      if (!value) return peer;
      // X-Forwarded-For lists hops; the first one is the original client.
      const first = value.split(',')[0].trim();
      return isIP(first) ? first : peer;
    },
  };
}
