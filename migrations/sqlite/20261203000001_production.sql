-- How many tasks each user holds, kept by triggers whatever writes the rows, so the
-- MAX_TASKS_PER_USER check reads one number instead of counting the user's tasks.
ALTER TABLE users ADD COLUMN task_count INTEGER NOT NULL DEFAULT 0;
UPDATE users SET task_count = (SELECT count(*) FROM tasks WHERE tasks.user_id = users.id);
CREATE TRIGGER tasks_count_insert AFTER INSERT ON tasks BEGIN
    UPDATE users SET task_count = task_count + 1 WHERE id = NEW.user_id;
END;
CREATE TRIGGER tasks_count_delete AFTER DELETE ON tasks BEGIN
    UPDATE users SET task_count = task_count - 1 WHERE id = OLD.user_id;
END;
