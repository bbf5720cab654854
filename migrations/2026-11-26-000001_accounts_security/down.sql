DROP TRIGGER audit_events_append_only ON audit_events;
DROP FUNCTION audit_events_are_append_only();
DROP TABLE audit_events;
CREATE INDEX sessions_user_idx ON sessions (user_id);
DROP INDEX sessions_user_recent_idx;
ALTER TABLE users DROP COLUMN suspended_at;
