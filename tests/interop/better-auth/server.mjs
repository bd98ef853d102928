// Minimal, real Better Auth server for the Leptodo JWT interop test.
//
// Run:  npm ci && PORT=4100 node server.mjs
// Env:  PORT (required) — listens on 127.0.0.1:PORT only.
//       BETTER_AUTH_SECRET (optional) — a fixed test fallback is used if unset.
// Prints exactly one stdout line once ready: `listening http://127.0.0.1:PORT`.
//
// Everything (users, sessions, signing keys) lives in memory, so every start
// is a clean slate and a restart generates a new JWKS key (new `kid`).
//
// HTTP surface used by the interop test (all under /api/auth):
//   POST /sign-up/email  {name,email,password}  -> 200 {token,user}, Set-Cookie
//        better-auth.session_token=<signed>. Origin is needed only when the
//        request also carries a cookie (then it must equal the base URL).
//   GET  /token       (session cookie) -> 200 {"token":"<EdDSA JWT>"}
//   GET  /get-session (session cookie) -> same JWT in the `set-auth-jwt` header
//   GET  /jwks        -> {"keys":[{alg:"EdDSA",crv:"Ed25519",x,kty:"OKP",kid}]}

import http from "node:http";
import { betterAuth } from "better-auth";
import { memoryAdapter } from "better-auth/adapters/memory";
import { toNodeHandler } from "better-auth/node";
import { jwt } from "better-auth/plugins/jwt"; // subpath: loads only this plugin

const port = Number(process.env.PORT);
if (!Number.isInteger(port) || port <= 0 || port > 65535) {
  console.error("server.mjs: PORT must be set to a valid TCP port");
  process.exit(2);
}
const baseURL = `http://127.0.0.1:${port}`;

// The memory adapter looks tables up by model name and does not create them,
// so declare every table the core (user/session/account/verification) and the
// jwt plugin (jwks) use, up front.
const db = { user: [], session: [], account: [], verification: [], jwks: [] };

const auth = betterAuth({
  baseURL, // also the JWT `iss` and `aud` (jwt plugin defaults)
  secret:
    process.env.BETTER_AUTH_SECRET ||
    "leptodo-interop-test-secret-not-for-production-0123456789",
  database: memoryAdapter(db),
  emailAndPassword: { enabled: true },
  // Defaults: EdDSA/Ed25519 keys, 15-minute tokens, GET /api/auth/token,
  // GET /api/auth/jwks, and a `set-auth-jwt` header on GET /api/auth/get-session.
  plugins: [jwt()],
  // The test signs up several users quickly from one IP; don't throttle it.
  // (Better Auth enables rate limiting when NODE_ENV=production.)
  rateLimit: { enabled: false },
  // Off by default already; stated explicitly (no outbound calls from tests).
  telemetry: { enabled: false },
});

const server = http.createServer(toNodeHandler(auth));

server.listen(port, "127.0.0.1", () => {
  process.stdout.write(`listening ${baseURL}\n`);
});

// Clean exit on SIGTERM/SIGINT: stop accepting, drop keep-alive sockets, exit 0.
function shutdown() {
  server.close(() => process.exit(0));
  server.closeAllConnections();
  setTimeout(() => process.exit(0), 1000).unref();
}
process.on("SIGTERM", shutdown);
process.on("SIGINT", shutdown);
