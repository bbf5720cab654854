-- Events are written once, by their insert: the relay no longer numbers each row.
-- It publishes in id order, numbering events as it publishes them, and it only
-- goes up to an id once every transaction that could still commit a smaller one
-- has ended (see outbox_relay.horizon_writers). Ids are taken by the outbox insert,
-- the last statement of a transaction, after the locks it holds on what it
-- changed: two writes to the same row take their ids in the order they commit.

-- Old relays stop here until this commits, then writers: no id is taken meanwhile.
LOCK TABLE outbox_relay IN ACCESS EXCLUSIVE MODE;
LOCK TABLE outbox IN EXCLUSIVE MODE;

-- Ids in the order the relay gave or would have given: numbered events by their
-- number, then the others by id. All of them stay below the ids to come. Through
-- negative values, so that no two rows share an id midway.
WITH ranked AS (
    SELECT id, row_number() OVER (ORDER BY sequence NULLS LAST, id) AS position
    FROM outbox
)
UPDATE outbox SET id = -ranked.position FROM ranked WHERE outbox.id = ranked.id;
UPDATE outbox SET id = -id;

ALTER TABLE outbox_relay
    -- Every event with an id up to this one is published (or was never committed).
    ADD COLUMN last_id bigint NOT NULL DEFAULT 0,
    -- The newest id the relay has taken in, and the transactions (virtual
    -- transaction ids) that were writing to the outbox at that moment. Once they
    -- have all ended, no id up to horizon_id can appear any more, and the relay
    -- publishes up to it.
    ADD COLUMN horizon_id bigint NOT NULL DEFAULT 0,
    ADD COLUMN horizon_writers text[] NOT NULL DEFAULT '{}';
-- Published events are the first ones in the new order.
UPDATE outbox_relay SET
    last_id = (SELECT count(*) FROM outbox WHERE sequence <= outbox_relay.last_published),
    horizon_id = (SELECT count(*) FROM outbox WHERE sequence <= outbox_relay.last_published);
ALTER TABLE outbox_relay DROP COLUMN last_sequence;

DROP INDEX outbox_unsequenced_idx;
DROP INDEX outbox_sequence_idx;
ALTER TABLE outbox DROP COLUMN sequence;
