-- What users are told of others' actions on their things and of their uploads'
-- processing. Made from published events by the notifier: one per event and
-- recipient (the unique key), so an event handled twice notifies once. The article,
-- comment and upload a notification is about carry no foreign key: they may be gone
-- by the time the event is handled, and a notification outlives them.
CREATE TABLE notifications (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    recipient_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    kind text NOT NULL CHECK (kind IN (
        'profile.followed', 'article.favorited', 'article.commented',
        'upload.ready', 'upload.failed'
    )),
    actor_id uuid REFERENCES users (id) ON DELETE CASCADE,
    article_id uuid,
    comment_id bigint,
    upload_id uuid,
    -- The outbox sequence of the event it was made from.
    source_sequence bigint NOT NULL,
    created_at timestamptz NOT NULL,
    read_at timestamptz,
    CONSTRAINT notifications_once_per_event UNIQUE (source_sequence, recipient_id)
);
-- A user's list, newest first, a page at a time.
CREATE INDEX notifications_recipient_idx ON notifications (recipient_id, id DESC);
-- The unread count, and marking all read, touch only the unread.
CREATE INDEX notifications_unread_idx ON notifications (recipient_id) WHERE read_at IS NULL;
-- Removing a user removes the notifications of what they did.
CREATE INDEX notifications_actor_idx ON notifications (actor_id) WHERE actor_id IS NOT NULL;
