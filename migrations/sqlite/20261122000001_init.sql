-- Leptodo schema, SQLite flavour. Keep in step with migrations/postgres: same tables, columns,
-- constraints and indexes; only the types differ (TEXT timestamps, INTEGER booleans).

CREATE TABLE users (
    id             TEXT    PRIMARY KEY NOT NULL,            -- opaque random id, never an integer
    email          TEXT    NOT NULL COLLATE NOCASE UNIQUE
                           CHECK (email = lower(email)),    -- stored lower-cased
    name           TEXT    NOT NULL,
    email_verified INTEGER NOT NULL DEFAULT 0 CHECK (email_verified IN (0, 1)),
    image          TEXT,
    created_at     TEXT    NOT NULL,
    updated_at     TEXT    NOT NULL
);

-- One password per user (Better Auth keeps it in its "account" table; we only do email/password).
CREATE TABLE credentials (
    user_id        TEXT    PRIMARY KEY NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    password_hash  TEXT    NOT NULL,                        -- argon2id PHC string
    created_at     TEXT    NOT NULL,
    updated_at     TEXT    NOT NULL
);

CREATE TABLE sessions (
    id             TEXT    PRIMARY KEY NOT NULL,            -- public session id
    token_hash     TEXT    NOT NULL UNIQUE,                 -- SHA-256 of the cookie token; the token itself is never stored
    user_id        TEXT    NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    expires_at     TEXT    NOT NULL,
    created_at     TEXT    NOT NULL,
    last_seen_at   TEXT    NOT NULL,
    user_agent     TEXT,
    ip_address     TEXT
);
CREATE INDEX sessions_by_user ON sessions (user_id);

CREATE TABLE tasks (
    id             INTEGER PRIMARY KEY AUTOINCREMENT,       -- numeric ids, as the FastAPI contract has them
    user_id        TEXT    NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    title          TEXT    NOT NULL,
    description    TEXT,
    completed      INTEGER NOT NULL DEFAULT 0 CHECK (completed IN (0, 1)),
    created_at     TEXT    NOT NULL,
    updated_at     TEXT    NOT NULL
);
-- Lists are per user, newest (highest id) first, optionally filtered by completion.
CREATE INDEX tasks_by_user_newest ON tasks (user_id, id DESC);
CREATE INDEX tasks_by_user_completed_newest ON tasks (user_id, completed, id DESC);
