// The cheapest possible auth_request backend: every request is allowed, nothing is checked.
import { createServer } from 'node:http';

const server = createServer((req, res) => {
  res.writeHead(202, { 'Content-Length': '0' });
  res.end();
});
// Longer than nginx's upstream keepalive_timeout (60 s), so nginx, not node, closes idle
// connections; otherwise nginx can reuse a socket node is closing and fail that subrequest.
server.keepAliveTimeout = 120_000;
server.headersTimeout = 121_000;
server.listen(Number(process.env.PORT ?? 0), '127.0.0.1', () => {
  console.log(`listening on ${server.address().port}`);
});
