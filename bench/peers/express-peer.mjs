// express + express-openid-connect + http-proxy-middleware, set up as their documentation shows.
// Configured by environment: ISSUER, UPSTREAM, CLIENT_ID, CLIENT_SECRET, SESSION_SECRET, PORT (0 = any).
import { Agent } from 'node:http';
import express from 'express';
import eoc from 'express-openid-connect';
import { createProxyMiddleware } from 'http-proxy-middleware';

const env = (name) => {
  const v = process.env[name];
  if (!v) { console.error(`express-peer: ${name} is not set`); process.exit(2); }
  return v;
};

const app = express();
const server = app.listen(Number(process.env.PORT ?? 0), '127.0.0.1', () => {
  // baseURL has to name the port, which is only known once listening.
  const baseURL = `http://127.0.0.1:${server.address().port}`;
  app.use(eoc.auth({
    issuerBaseURL: env('ISSUER'),
    baseURL,
    clientID: env('CLIENT_ID'),
    clientSecret: env('CLIENT_SECRET'),
    secret: env('SESSION_SECRET'),
    authRequired: true,
    idpLogout: false,
    authorizationParams: { response_type: 'code', scope: 'openid email profile' },
    routes: { callback: '/callback' },
  }));
  app.use(createProxyMiddleware({
    target: env('UPSTREAM'),
    // http-proxy sends "Connection: close" upstream unless given an agent; a keep-alive agent is
    // what a tuned deployment uses, and matches the other proxies' keep-alive hop.
    agent: new Agent({ keepAlive: true }),
  }));
  console.log(`listening on ${server.address().port}`);
});
// Longer than wrk's run and nginx-style clients' idle times, so idle keep-alive sockets are
// closed by the client side, as with the other peers.
server.keepAliveTimeout = 120_000;
server.headersTimeout = 121_000;
