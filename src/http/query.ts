// How the proxy reads its own query parameters (rd, code, state, allowed_*). Go's net/url, which
// oauth2-proxy uses, refuses ";" as a separator and drops every "&"-separated pair containing one;
// --allow-query-semicolons makes ";" a separator like "&". The query forwarded upstream is never
// rewritten either way.

export type QueryParser = (query: string) => URLSearchParams;

export function queryParser(allowSemicolons: boolean): QueryParser {
  if (allowSemicolons) return (q) => new URLSearchParams(q.indexOf(';') === -1 ? q : q.replaceAll(';', '&'));
  return (q) => new URLSearchParams(q.indexOf(';') === -1 ? q : q.split('&').filter((pair) => pair.indexOf(';') === -1).join('&'));
}

/** oauth2-proxy's default reading. */
export const goQuery: QueryParser = queryParser(false);
