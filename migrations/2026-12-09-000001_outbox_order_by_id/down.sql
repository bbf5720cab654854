LOCK TABLE outbox_relay IN ACCESS EXCLUSIVE MODE;
LOCK TABLE outbox IN EXCLUSIVE MODE;

ALTER TABLE outbox ADD COLUMN sequence bigint;
-- Published events keep the numbers they were published under; the others wait
-- for the relay to number them.
WITH published AS (
    SELECT id, row_number() OVER (ORDER BY id) AS position
    FROM outbox
    WHERE id <= (SELECT last_id FROM outbox_relay)
)
UPDATE outbox
SET sequence = (SELECT last_published FROM outbox_relay)
    - (SELECT count(*) FROM published) + published.position
FROM published
WHERE outbox.id = published.id;
CREATE UNIQUE INDEX outbox_sequence_idx ON outbox (sequence) WHERE sequence IS NOT NULL;
CREATE INDEX outbox_unsequenced_idx ON outbox (id) WHERE sequence IS NULL;

ALTER TABLE outbox_relay ADD COLUMN last_sequence bigint NOT NULL DEFAULT 0;
UPDATE outbox_relay SET last_sequence = last_published;
ALTER TABLE outbox_relay ALTER COLUMN last_sequence DROP DEFAULT;
ALTER TABLE outbox_relay
    DROP COLUMN last_id,
    DROP COLUMN horizon_id,
    DROP COLUMN horizon_writers;
