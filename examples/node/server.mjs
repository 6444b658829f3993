// The app behind the sidecar: no sign-in code at all. The sidecar in the same pod has already
// authenticated the user and passes who they are in request headers.
import { createServer } from 'node:http';

const port = Number(process.env.PORT ?? 8080);

createServer((req, res) => {
  const user = req.headers['x-auth-request-user'] ?? req.headers['x-forwarded-user'] ?? '';
  res.writeHead(200, { 'Content-Type': 'text/plain; charset=utf-8', 'X-Content-Type-Options': 'nosniff' });
  res.end(`Hello, ${user}! (Node.js)\n`);
}).listen(port, '127.0.0.1', () => console.log(`listening on http://127.0.0.1:${port}`)); // loopback only: the sidecar is the one way in
