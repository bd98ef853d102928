-- Organizing tasks: priority, tags, due date, recurrence, and what lists sort and search by.
-- Keep in step with migrations/postgres.

-- 1 high, 2 medium (the default), 3 low: a rank, so that "high first" is an index order.
ALTER TABLE tasks ADD COLUMN priority INTEGER NOT NULL DEFAULT 2 CHECK (priority IN (1, 2, 3));
-- The tags as given, joined by commas (which no tag contains); '' for none.
ALTER TABLE tasks ADD COLUMN tags TEXT NOT NULL DEFAULT '';
ALTER TABLE tasks ADD COLUMN due_date TEXT
    CHECK (due_date IS NULL OR due_date GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]');
ALTER TABLE tasks ADD COLUMN recurrence TEXT
    CHECK (recurrence IS NULL OR (recurrence IN ('daily', 'weekly', 'monthly') AND due_date IS NOT NULL));
-- Whether completing it has created its next occurrence (once per task).
ALTER TABLE tasks ADD COLUMN recurred INTEGER NOT NULL DEFAULT 0 CHECK (recurred IN (0, 1));
-- The title lower-cased (Unicode, by the server), for sorting A–Z ignoring case.
ALTER TABLE tasks ADD COLUMN title_key TEXT NOT NULL DEFAULT '';
-- 0 until the server has written the task's search words and tags (rows from before this
-- migration are caught up at start: leptodo::tasks::reindex).
ALTER TABLE tasks ADD COLUMN indexed INTEGER NOT NULL DEFAULT 0 CHECK (indexed IN (0, 1));
UPDATE tasks SET title_key = lower(title);

-- The words each task is found by (title, description, tags; lower-cased), per user: a
-- search word is a range scan of (user_id, word).
CREATE TABLE task_words (
    user_id        TEXT    NOT NULL,
    word           TEXT    NOT NULL,
    task_id        INTEGER NOT NULL REFERENCES tasks (id) ON DELETE CASCADE,
    PRIMARY KEY (user_id, word, task_id)
) WITHOUT ROWID;
CREATE INDEX task_words_by_task ON task_words (task_id);

CREATE TABLE task_tags (
    user_id        TEXT    NOT NULL,
    tag_key        TEXT    NOT NULL,                        -- lower-cased: what filters match
    task_id        INTEGER NOT NULL REFERENCES tasks (id) ON DELETE CASCADE,
    tag            TEXT    NOT NULL,                        -- as given
    PRIMARY KEY (user_id, tag_key, task_id)
) WITHOUT ROWID;
CREATE INDEX task_tags_by_task ON task_tags (task_id);

-- One index per sort, newest first among equals (leptodo::tasks::list writes the same keys).
CREATE INDEX tasks_by_user_priority ON tasks (user_id, priority, id DESC);
CREATE INDEX tasks_by_user_due ON tasks (user_id, COALESCE(due_date, '9999-12-31'), id DESC);
CREATE INDEX tasks_by_user_title ON tasks (user_id, title_key, id DESC);
-- order=desc: the key descending, ties still newest first (no date still last).
CREATE INDEX tasks_by_user_priority_desc ON tasks (user_id, priority DESC, id DESC);
CREATE INDEX tasks_by_user_due_desc ON tasks (user_id, COALESCE(due_date, '0001-01-01') DESC, id DESC);
CREATE INDEX tasks_by_user_title_desc ON tasks (user_id, title_key DESC, id DESC);
CREATE INDEX tasks_to_index ON tasks (id) WHERE NOT indexed;
