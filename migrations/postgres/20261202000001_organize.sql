-- Organizing tasks: priority, tags, due date, recurrence, and what lists sort and search by.
-- Keep in step with migrations/sqlite. Sort and search keys are COLLATE "C": code-point order,
-- as SQLite compares, whatever the database's locale.

ALTER TABLE tasks
    ADD COLUMN priority   INTEGER NOT NULL DEFAULT 2 CHECK (priority IN (1, 2, 3)),
    ADD COLUMN tags       TEXT    NOT NULL DEFAULT '',
    ADD COLUMN due_date   DATE,
    ADD COLUMN recurrence TEXT CHECK (recurrence IN ('daily', 'weekly', 'monthly')),
    ADD COLUMN recurred   BOOLEAN NOT NULL DEFAULT FALSE,
    ADD COLUMN title_key  TEXT COLLATE "C" NOT NULL DEFAULT '',
    ADD COLUMN indexed    BOOLEAN NOT NULL DEFAULT FALSE,
    ADD CONSTRAINT tasks_recurrence_needs_due_date
        CHECK (recurrence IS NULL OR due_date IS NOT NULL);
UPDATE tasks SET title_key = lower(title);

CREATE TABLE task_words (
    user_id        TEXT             NOT NULL,
    word           TEXT COLLATE "C" NOT NULL,
    task_id        BIGINT           NOT NULL REFERENCES tasks (id) ON DELETE CASCADE,
    PRIMARY KEY (user_id, word, task_id)
);
CREATE INDEX task_words_by_task ON task_words (task_id);

CREATE TABLE task_tags (
    user_id        TEXT             NOT NULL,
    tag_key        TEXT COLLATE "C" NOT NULL,
    task_id        BIGINT           NOT NULL REFERENCES tasks (id) ON DELETE CASCADE,
    tag            TEXT COLLATE "C" NOT NULL,
    PRIMARY KEY (user_id, tag_key, task_id)
);
CREATE INDEX task_tags_by_task ON task_tags (task_id);

CREATE INDEX tasks_by_user_priority ON tasks (user_id, priority, id DESC);
CREATE INDEX tasks_by_user_due ON tasks (user_id, (COALESCE(due_date, '9999-12-31')), id DESC);
CREATE INDEX tasks_by_user_title ON tasks (user_id, title_key, id DESC);
-- order=desc: the key descending, ties still newest first (no date still last).
CREATE INDEX tasks_by_user_priority_desc ON tasks (user_id, priority DESC, id DESC);
CREATE INDEX tasks_by_user_due_desc ON tasks (user_id, (COALESCE(due_date, '0001-01-01')) DESC, id DESC);
CREATE INDEX tasks_by_user_title_desc ON tasks (user_id, title_key DESC, id DESC);
CREATE INDEX tasks_to_index ON tasks (id) WHERE NOT indexed;
