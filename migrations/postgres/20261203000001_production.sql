-- Sign-in finds users by the stored email, which is lower-cased by a CHECK: index the column
-- itself (an index on lower(email) is no use to `WHERE email = $1`).
CREATE UNIQUE INDEX users_email_key ON users (email);
DROP INDEX users_email_unique;

-- How many tasks each user holds, kept by triggers whatever writes the rows, so the
-- MAX_TASKS_PER_USER check reads (and locks) one row instead of counting the user's tasks.
ALTER TABLE users ADD COLUMN task_count INTEGER NOT NULL DEFAULT 0;
UPDATE users SET task_count = (SELECT count(*) FROM tasks WHERE tasks.user_id = users.id);
CREATE FUNCTION tasks_count() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        UPDATE users SET task_count = task_count + 1 WHERE id = NEW.user_id;
    ELSE
        UPDATE users SET task_count = task_count - 1 WHERE id = OLD.user_id;
    END IF;
    RETURN NULL;
END $$;
CREATE TRIGGER tasks_count AFTER INSERT OR DELETE ON tasks
    FOR EACH ROW EXECUTE FUNCTION tasks_count();

-- Throttling shared by every instance on this database (see src/throttle/shared.rs).
-- GCRA state per limit key: the "theoretical arrival time", in microseconds since 1970.
CREATE TABLE rate_limits (
    key TEXT   PRIMARY KEY COLLATE "C",
    tat BIGINT NOT NULL
);
-- Failed sign-ins per account, and clients that proved they own it (trusted).
CREATE TABLE sign_in_failures (
    account TEXT    NOT NULL COLLATE "C",
    client  TEXT,
    at      BIGINT  NOT NULL,
    trusted BOOLEAN NOT NULL DEFAULT FALSE
);
CREATE INDEX sign_in_failures_by_account ON sign_in_failures (account, at);
CREATE INDEX sign_in_failures_by_age ON sign_in_failures (at);
