-- Account lifecycle: one-time links sent by mail, the mail outbox, and API-token cut-offs.
-- Keep in step with migrations/sqlite: same tables, columns, constraints and indexes.

CREATE TABLE verifications (
    token_hash     TEXT        PRIMARY KEY,
    purpose        TEXT        NOT NULL CHECK (purpose IN ('reset_password', 'verify_email')),
    user_id        TEXT        NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    email          TEXT        NOT NULL,
    expires_at     TIMESTAMPTZ NOT NULL,
    created_at     TIMESTAMPTZ NOT NULL
);
CREATE INDEX verifications_by_user ON verifications (user_id, purpose);

CREATE TABLE outbox (
    id              BIGINT      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    recipient       TEXT        NOT NULL,
    subject         TEXT        NOT NULL,
    text_body       TEXT        NOT NULL,
    html_body       TEXT        NOT NULL,
    created_at      TIMESTAMPTZ NOT NULL,
    expires_at      TIMESTAMPTZ NOT NULL,
    attempts        INTEGER     NOT NULL DEFAULT 0,
    next_attempt_at TIMESTAMPTZ NOT NULL,
    last_error      TEXT
);
CREATE INDEX outbox_due ON outbox (next_attempt_at);

CREATE TABLE token_cutoffs (
    user_id        TEXT        PRIMARY KEY,
    not_before     TIMESTAMPTZ NOT NULL,
    expires_at     TIMESTAMPTZ NOT NULL
);
