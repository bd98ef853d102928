-- Account lifecycle: one-time links sent by mail, the mail outbox, and API-token cut-offs.
-- Keep in step with migrations/postgres: same tables, columns, constraints and indexes.

-- Password-reset and email-verification links. Only the SHA-256 of a link's token is kept; a
-- token is used once (its row is deleted) and dies with its account.
CREATE TABLE verifications (
    token_hash     TEXT    PRIMARY KEY NOT NULL,
    purpose        TEXT    NOT NULL CHECK (purpose IN ('reset_password', 'verify_email')),
    user_id        TEXT    NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    email          TEXT    NOT NULL,                        -- the address the link was sent to
    expires_at     TEXT    NOT NULL,
    created_at     TEXT    NOT NULL
);
CREATE INDEX verifications_by_user ON verifications (user_id, purpose);

-- Mail waiting to be sent, written in the same transaction as the token it carries. The
-- worker deletes a row once the SMTP server has accepted it; until then it retries with
-- backoff, so a mail server that is down delays mail but loses none.
CREATE TABLE outbox (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    recipient       TEXT    NOT NULL,
    subject         TEXT    NOT NULL,
    text_body       TEXT    NOT NULL,
    html_body       TEXT    NOT NULL,
    created_at      TEXT    NOT NULL,
    expires_at      TEXT    NOT NULL,                       -- its link is dead after this: not sent
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_at TEXT    NOT NULL,                       -- also a lease while one worker sends it
    last_error      TEXT
);
CREATE INDEX outbox_due ON outbox (next_attempt_at);

-- API tokens (JWTs) are stateless; a password change, reset or account deletion records here
-- that tokens issued before `not_before` no longer count. Every instance keeps the table in
-- memory and rereads it every few seconds, so no request reads it.
CREATE TABLE token_cutoffs (
    user_id        TEXT    PRIMARY KEY NOT NULL,            -- no foreign key: outlives a deleted user
    not_before     TEXT    NOT NULL,
    expires_at     TEXT    NOT NULL                         -- when every token it cuts has expired anyway
);
