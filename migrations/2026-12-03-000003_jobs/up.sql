-- Durable jobs: work that must happen after a commit, at least once. A job is
-- written in the transaction of the change that calls for it, claimed by a worker
-- (state running, locked until locked_until; a worker keeps extending the lock
-- while it runs the job), then done, or queued again after a failure, or dead once
-- its attempts are used up.
CREATE TABLE jobs (
    id bigserial PRIMARY KEY,
    kind text NOT NULL,
    -- The job's fields as a JSON object of text values.
    payload jsonb NOT NULL DEFAULT '{}'::jsonb,
    state text NOT NULL DEFAULT 'queued'
        CHECK (state IN ('queued', 'running', 'done', 'dead')),
    -- Claims so far: each claim counts one, so a claim is told from a later one.
    attempts integer NOT NULL DEFAULT 0 CHECK (attempts >= 0),
    max_attempts integer NOT NULL CHECK (max_attempts >= 1),
    run_at timestamptz NOT NULL DEFAULT now(),
    locked_until timestamptz,
    last_error text CHECK (char_length(last_error) <= 2000),
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    CHECK ((state = 'running') = (locked_until IS NOT NULL))
);
-- The claim: queued jobs in the order they fall due.
CREATE INDEX jobs_due_idx ON jobs (run_at, id) WHERE state = 'queued';
-- Running jobs whose worker stopped renewing the lock.
CREATE INDEX jobs_locked_idx ON jobs (locked_until) WHERE state = 'running';
-- Listing by state, most recently changed first; the depth per state; removing
-- old done jobs.
CREATE INDEX jobs_state_idx ON jobs (state, updated_at DESC);
-- The scheduler's question: is a job of this kind pending or recent?
CREATE INDEX jobs_kind_idx ON jobs (kind, created_at DESC);
