// The old stack's data, made by the old stack: a real Better Auth (its own Kysely adapter, over
// better-sqlite3 or pg) signs people up and in through its own API, and a task table shaped as
// the FastAPI back end's SQLModel writes it is filled for them. Used by server/tests/api/import.rs.
//
//   node seed.mjs <sqlite file | postgres URL>
//
// Prints one JSON object on stdout: the people (with the passwords they chose, their session
// cookies and their task ids), the social-only user, and the task ids of a user Better Auth
// does not know.
import { betterAuth } from "better-auth";
import { getMigrations } from "better-auth/db/migration";

const target = process.argv[2];
if (!target) {
  console.error("usage: node seed.mjs <sqlite file | postgres URL>");
  process.exit(2);
}
const postgres = /^postgres(ql)?:/.test(target);
const secret = process.env.BETTER_AUTH_SECRET;
if (!secret) {
  console.error("BETTER_AUTH_SECRET must be set (the import test shares it with Leptodo)");
  process.exit(2);
}

let database, sql, close;
if (postgres) {
  const { default: pg } = await import("pg");
  database = new pg.Pool({ connectionString: target });
  sql = async (text, params = []) => (await database.query(text, params)).rows;
  close = () => database.end();
} else {
  const { default: Sqlite } = await import("better-sqlite3");
  database = new Sqlite(target);
  sql = async (text, params = []) => {
    const statement = database.prepare(text.replace(/\$\d+/g, "?"));
    return statement.reader ? statement.all(...params) : (statement.run(...params), []);
  };
  close = () => database.close();
}

const auth = betterAuth({
  database,
  secret,
  baseURL: "http://127.0.0.1:3000",
  emailAndPassword: { enabled: true },
  logger: { disabled: true },
});
const { runMigrations } = await getMigrations(auth.options);
await runMigrations();

// A compatibility character (the "ﬁ" ligature) checks that both sides normalise to NFKC.
const people = [
  { name: "Ada Lovelace", email: "ada@example.com", password: "analytical engine 1843" },
  { name: "Grace Hopper", email: "grace@example.com", password: "ﬁnd the bug, Grace" },
  { name: "Émile Zola", email: "emile@example.org", password: "J'accuse…! 1898" },
];
for (const person of people) {
  const { user } = await auth.api.signUpEmail({ body: person });
  person.id = user.id;
  // A second sign-in, as a browser would: its session is the one the import must carry over.
  const response = await auth.api.signInEmail({
    body: { email: person.email, password: person.password },
    asResponse: true,
  });
  const cookie = response.headers.get("set-cookie") ?? "";
  const pair = cookie.split(";")[0];
  person.cookie = pair;
  person.tasks = [];
}

// Someone who only ever signed in with GitHub: no password anywhere.
const context = await auth.$context;
const social = await context.internalAdapter.createOAuthUser(
  { name: "Octo Cat", email: "octo@example.net", emailVerified: true, image: "https://example.net/octo.png" },
  { providerId: "github", accountId: "583231" },
);
const socialUser = social.user;

// The FastAPI back end's table, as SQLModel creates it for each engine.
if (postgres) {
  await sql(`CREATE TABLE task (
    id SERIAL PRIMARY KEY, title VARCHAR NOT NULL, description VARCHAR,
    completed BOOLEAN NOT NULL, user_id VARCHAR NOT NULL,
    created_at TIMESTAMP WITHOUT TIME ZONE NOT NULL, updated_at TIMESTAMP WITHOUT TIME ZONE NOT NULL)`);
} else {
  await sql(`CREATE TABLE task (
    id INTEGER NOT NULL PRIMARY KEY, title VARCHAR NOT NULL, description VARCHAR,
    completed BOOLEAN NOT NULL, user_id VARCHAR NOT NULL,
    created_at DATETIME NOT NULL, updated_at DATETIME NOT NULL)`);
}
const stranger = { id: "no-such-user-in-better-auth", tasks: [] };
const owners = [...people, people[0], stranger, people[1], people[0], { id: socialUser.id, tasks: [] }];
let minute = 0;
const rows = [];
for (const owner of owners) {
  minute += 1;
  const at = `2026-01-01 10:${String(minute).padStart(2, "0")}:00.000000`;
  const completed = minute % 3 === 0;
  const description = minute % 2 === 0 ? `details of task ${minute}` : null;
  const [row] = await sql(
    `INSERT INTO task (title, description, completed, user_id, created_at, updated_at)
     VALUES ($1, $2, $3, $4, $5, $6) RETURNING id`,
    [`task ${minute}`, description, postgres ? completed : completed ? 1 : 0, owner.id, at, at],
  );
  owner.tasks.push(Number(row.id));
  rows.push({ id: Number(row.id), title: `task ${minute}`, description, completed, user_id: owner.id });
}
await close();

console.log(
  JSON.stringify({
    people: people.map(({ id, name, email, password, cookie, tasks }) => ({ id, name, email, password, cookie, tasks })),
    social: { id: socialUser.id, email: socialUser.email },
    stranger,
    rows,
  }),
);
