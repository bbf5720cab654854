-- Events committed in the same transaction as the changes that raised them, kept
-- until the relay has published them to the event stream and their retention has
-- passed.
CREATE TABLE outbox (
    id bigserial PRIMARY KEY,
    name text NOT NULL,
    payload jsonb NOT NULL,
    occurred_at timestamptz NOT NULL DEFAULT now(),
    -- The event's place in the one global order, given by the relay in the order
    -- commits became visible to it (ids are taken at insert, not at commit, so
    -- they can commit out of order). NULL until then.
    sequence bigint UNIQUE,
    published_at timestamptz
);
CREATE INDEX outbox_unsequenced_idx ON outbox (id) WHERE sequence IS NULL;
CREATE INDEX outbox_unpublished_idx ON outbox (sequence) WHERE published_at IS NULL;
CREATE INDEX outbox_occurred_idx ON outbox (occurred_at);

-- The last sequence given. Its one row is also the lock that lets one relay at a
-- time give sequences or publish.
CREATE TABLE outbox_relay (
    singleton boolean PRIMARY KEY DEFAULT true CHECK (singleton),
    last_sequence bigint NOT NULL
);
INSERT INTO outbox_relay (singleton, last_sequence) VALUES (true, 0);
