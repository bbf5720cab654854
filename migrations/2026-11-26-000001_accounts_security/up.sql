-- Suspended accounts cannot sign in; their sessions are revoked when suspended.
ALTER TABLE users ADD COLUMN suspended_at timestamptz;

-- Listing a user's sessions newest first ("where am I signed in"); also serves the
-- foreign key, so the plain user_id index is redundant.
CREATE INDEX sessions_user_recent_idx ON sessions (user_id, created_at DESC);
DROP INDEX sessions_user_idx;

-- Security-relevant events, append-only: the application never updates or deletes
-- rows here. Users are referenced without foreign keys so that the trail outlives
-- the accounts it mentions.
CREATE TABLE audit_events (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    occurred_at     timestamptz NOT NULL,
    event_type      text NOT NULL,
    actor_user_id   uuid,
    subject_user_id uuid,
    session_id      uuid,
    ip              text,
    user_agent      text,
    request_id      text,
    outcome         text NOT NULL CHECK (outcome IN ('success', 'failure')),
    details         jsonb NOT NULL DEFAULT '{}'::jsonb
);
-- Newest first, optionally by type; per user as actor or as subject.
CREATE INDEX audit_events_type_idx ON audit_events (event_type, id DESC);
CREATE INDEX audit_events_actor_idx ON audit_events (actor_user_id, id DESC)
    WHERE actor_user_id IS NOT NULL;
CREATE INDEX audit_events_subject_idx ON audit_events (subject_user_id, id DESC)
    WHERE subject_user_id IS NOT NULL;

CREATE FUNCTION audit_events_are_append_only() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'audit_events is append-only';
END;
$$;
CREATE TRIGGER audit_events_append_only
    BEFORE UPDATE OR DELETE OR TRUNCATE ON audit_events
    FOR EACH STATEMENT EXECUTE FUNCTION audit_events_are_append_only();
