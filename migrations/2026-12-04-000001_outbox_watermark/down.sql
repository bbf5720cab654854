DROP INDEX outbox_occurred_brin;
CREATE INDEX outbox_occurred_idx ON outbox (occurred_at);

DROP INDEX outbox_sequence_idx;
ALTER TABLE outbox ADD CONSTRAINT outbox_sequence_key UNIQUE (sequence);

ALTER TABLE outbox ADD COLUMN published_at timestamptz;
UPDATE outbox SET published_at = now()
WHERE sequence <= (SELECT last_published FROM outbox_relay);
CREATE INDEX outbox_unpublished_idx ON outbox (sequence) WHERE published_at IS NULL;

ALTER TABLE outbox_relay DROP COLUMN last_published;
