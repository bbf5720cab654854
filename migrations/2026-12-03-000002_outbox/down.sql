DROP TABLE outbox_relay;
DROP TABLE outbox;
