-- What the relay has published is one number, the last sequence it published,
-- instead of a timestamp written into every row: publishing no longer rewrites each
-- event (a second new row version and its index entries per event).
ALTER TABLE outbox_relay ADD COLUMN last_published bigint NOT NULL DEFAULT 0;
-- Published events form a prefix of the sequence: the relay publishes in order.
UPDATE outbox_relay SET last_published = coalesce(
    (SELECT max(sequence) FROM outbox WHERE published_at IS NOT NULL), 0);

DROP INDEX outbox_unpublished_idx;
ALTER TABLE outbox DROP COLUMN published_at;

-- Events not yet sequenced are not indexed by sequence (they are all NULL there).
ALTER TABLE outbox DROP CONSTRAINT outbox_sequence_key;
CREATE UNIQUE INDEX outbox_sequence_idx ON outbox (sequence) WHERE sequence IS NOT NULL;

-- Retention and stream trimming by age read ranges of occurred_at, which grows with
-- the table's physical order: a BRIN index answers them and costs writers almost
-- nothing, where a B-tree took an entry for every row version.
DROP INDEX outbox_occurred_idx;
CREATE INDEX outbox_occurred_brin ON outbox USING brin (occurred_at);
