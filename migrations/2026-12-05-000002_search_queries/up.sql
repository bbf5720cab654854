-- One row per search, written in batches off the request path (see docs/search.md):
-- what was searched, with which filters, how many results, how long it took, by whom.
-- Rows older than the retention are deleted by the `search.purge_queries` job.
CREATE TABLE search_queries (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    searched_at timestamptz NOT NULL,
    -- The normalized text; NULL for a search without text.
    query text,
    -- The other parameters, normalized: {"tag": "go,rust", "sort": "recent", ...}.
    filters jsonb NOT NULL,
    results bigint NOT NULL CHECK (results >= 0),
    latency_ms double precision NOT NULL CHECK (latency_ms >= 0),
    user_id uuid REFERENCES users (id) ON DELETE SET NULL
);

-- Rows arrive in time order: a BRIN index finds a time range (insights since a
-- date, rows past the retention) for almost nothing on each insert.
CREATE INDEX search_queries_searched_at_brin ON search_queries USING brin (searched_at);
CREATE INDEX search_queries_user_idx ON search_queries (user_id) WHERE user_id IS NOT NULL;
