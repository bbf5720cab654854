-- The purge of old notifications finds them by age. Rows are inserted in time
-- order, so a BRIN index answers with a few pages however large the table grows,
-- and costs inserts almost nothing.
CREATE INDEX notifications_created_brin ON notifications USING brin (created_at);
