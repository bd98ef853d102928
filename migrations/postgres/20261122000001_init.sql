-- Leptodo schema, Postgres flavour. Keep in step with migrations/sqlite: same tables, columns,
-- constraints and indexes; only the types differ.

CREATE TABLE users (
    id             TEXT        PRIMARY KEY,                 -- opaque random id, never an integer
    email          TEXT        NOT NULL CHECK (email = lower(email)),  -- stored lower-cased
    name           TEXT        NOT NULL,
    email_verified BOOLEAN     NOT NULL DEFAULT FALSE,
    image          TEXT,
    created_at     TIMESTAMPTZ NOT NULL,
    updated_at     TIMESTAMPTZ NOT NULL
);
CREATE UNIQUE INDEX users_email_unique ON users (lower(email));

CREATE TABLE credentials (
    user_id        TEXT        PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    password_hash  TEXT        NOT NULL,
    created_at     TIMESTAMPTZ NOT NULL,
    updated_at     TIMESTAMPTZ NOT NULL
);

CREATE TABLE sessions (
    id             TEXT        PRIMARY KEY,
    token_hash     TEXT        NOT NULL UNIQUE,
    user_id        TEXT        NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    expires_at     TIMESTAMPTZ NOT NULL,
    created_at     TIMESTAMPTZ NOT NULL,
    last_seen_at   TIMESTAMPTZ NOT NULL,
    user_agent     TEXT,
    ip_address     TEXT
);
CREATE INDEX sessions_by_user ON sessions (user_id);

CREATE TABLE tasks (
    id             BIGINT      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    user_id        TEXT        NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    title          TEXT        NOT NULL,
    description    TEXT,
    completed      BOOLEAN     NOT NULL DEFAULT FALSE,
    created_at     TIMESTAMPTZ NOT NULL,
    updated_at     TIMESTAMPTZ NOT NULL
);
CREATE INDEX tasks_by_user_newest ON tasks (user_id, id DESC);
CREATE INDEX tasks_by_user_completed_newest ON tasks (user_id, completed, id DESC);
