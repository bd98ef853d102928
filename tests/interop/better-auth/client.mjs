// The official Better Auth client (`better-auth/client`) against a Leptodo server, as a browser
// would use it: each "device" keeps its own cookies and sends its Origin.
//
//   node client.mjs http://127.0.0.1:PORT
//
// Prints one line per step and exits non-zero on the first step that goes wrong.
import assert from "node:assert/strict";
import { createAuthClient } from "better-auth/client";

const base = process.argv[2];
const password = "correct horse battery staple";
const newPassword = "a brand new passphrase";

/** A client with its own cookie jar: one browser, one device. */
function device() {
  const jar = new Map();
  const customFetchImpl = async (input, init = {}) => {
    const headers = new Headers(init.headers);
    headers.set("origin", base);
    if (jar.size) headers.set("cookie", [...jar].map(([k, v]) => `${k}=${v}`).join("; "));
    const response = await fetch(input, { ...init, headers, redirect: "manual" });
    for (const line of response.headers.getSetCookie()) {
      const [pair, ...attributes] = line.split(";");
      const [name, ...rest] = pair.split("=");
      const value = rest.join("=");
      const expired = attributes.some((a) => /^\s*max-age=0\s*$/i.test(a));
      if (!value || expired) jar.delete(name.trim());
      else jar.set(name.trim(), value);
    }
    return response;
  };
  return createAuthClient({ baseURL: base, fetchOptions: { customFetchImpl } });
}

async function step(name, run) {
  try {
    await run();
    console.log(`ok ${name}`);
  } catch (error) {
    console.log(`FAILED ${name}: ${error?.stack ?? error}`);
    process.exit(1);
  }
}

const ok = (result) => {
  assert.equal(result.error, null, JSON.stringify(result.error));
  return result.data;
};
const user = async (client) => (await client.getSession()).data?.user ?? null;

const laptop = device();
const phone = device();
const other = device();
const email = `ada-${Date.now()}@example.com`;

await step("sign up on the laptop, sign in on the phone", async () => {
  ok(await laptop.signUp.email({ name: "Ada", email, password }));
  ok(await phone.signIn.email({ email, password }));
  ok(await other.signUp.email({ name: "Bob", email: `bob-${Date.now()}@example.com`, password }));
});

await step("updateUser", async () => {
  const data = ok(await laptop.updateUser({ name: "Ada Lovelace" }));
  assert.equal(data.status, true);
  assert.equal((await user(phone)).name, "Ada Lovelace");
});

let phoneSession;
await step("listSessions: two sessions, only the caller's", async () => {
  const sessions = ok(await laptop.listSessions());
  assert.equal(sessions.length, 2);
  const me = (await user(laptop)).id;
  for (const session of sessions) {
    assert.equal(session.userId, me);
    assert.ok(session.token && session.createdAt && session.expiresAt);
  }
  const phoneId = (await phone.getSession()).data.session.id;
  phoneSession = sessions.find((s) => s.id === phoneId);
  assert.ok(phoneSession, "the phone's session is listed");
});

await step("revokeSession ends exactly that session", async () => {
  ok(await laptop.revokeSession({ token: phoneSession.token }));
  assert.equal(await user(phone), null);
  assert.notEqual(await user(laptop), null);
  assert.notEqual(await user(other), null);
});

await step("changePassword: a wrong current password fails", async () => {
  ok(await phone.signIn.email({ email, password }));
  const wrong = await laptop.changePassword({ currentPassword: "not it", newPassword });
  assert.equal(wrong.error?.status, 400);
  assert.equal(wrong.error?.code, "INVALID_PASSWORD");
});

await step("changePassword with revokeOtherSessions keeps this session only", async () => {
  const data = ok(await laptop.changePassword({ currentPassword: password, newPassword, revokeOtherSessions: true }));
  assert.equal(data.user.email, email);
  assert.equal(await user(phone), null);
  assert.notEqual(await user(laptop), null);
  const old = await device().signIn.email({ email, password });
  assert.equal(old.error?.status, 401);
  ok(await phone.signIn.email({ email, password: newPassword }));
});

await step("deleteUser: a wrong password fails, the right one deletes", async () => {
  const wrong = await laptop.deleteUser({ password: "not it" });
  assert.equal(wrong.error?.code, "INVALID_PASSWORD");
  assert.notEqual(await user(laptop), null);
  const data = ok(await laptop.deleteUser({ password: newPassword }));
  assert.equal(data.success, true);
  assert.equal(await user(laptop), null);
  assert.equal(await user(phone), null);
  const gone = await device().signIn.email({ email, password: newPassword });
  assert.equal(gone.error?.status, 401);
  ok(await device().signUp.email({ name: "Ada again", email, password }));
});

await step("listSessions: dates as the client reads them, in the order they were made", async () => {
  // Better Auth writes toISOString()'s milliseconds and its client reads the fraction as
  // milliseconds: six digits would put every date minutes off and the order wrong.
  const first = device();
  const second = device();
  const who = `grace-${Date.now()}@example.com`;
  const t0 = Date.now();
  ok(await first.signUp.email({ name: "Grace", email: who, password }));
  const t1 = Date.now();
  await new Promise((resolve) => setTimeout(resolve, 1100));
  const t2 = Date.now();
  ok(await second.signIn.email({ email: who, password }));
  const t3 = Date.now();
  const sessions = ok(await first.listSessions());
  assert.equal(sessions.length, 2);
  for (const s of sessions) {
    assert.ok(s.createdAt instanceof Date, `the client parsed createdAt: ${typeof s.createdAt}`);
    assert.ok(s.expiresAt instanceof Date && s.updatedAt instanceof Date);
  }
  const byAge = [...sessions].sort((a, b) => a.createdAt - b.createdAt);
  const firstId = (await first.getSession()).data.session.id;
  const secondId = (await second.getSession()).data.session.id;
  assert.deepEqual(byAge.map((s) => s.id), [firstId, secondId]);
  const within = (date, from, to) => date.getTime() >= from - 1000 && date.getTime() <= to + 1000;
  assert.ok(within(byAge[0].createdAt, t0, t1), `${byAge[0].createdAt.toISOString()} not in ${t0}..${t1}`);
  assert.ok(within(byAge[1].createdAt, t2, t3), `${byAge[1].createdAt.toISOString()} not in ${t2}..${t3}`);
  // Revoking "the newest session" ends the second device's, not the caller's own.
  ok(await first.revokeSession({ token: byAge[1].token }));
  assert.equal(await user(second), null);
  assert.notEqual(await user(first), null);
});

console.log("all steps passed");
