-- issuer-api schema, version 3 (SQLite): outbox dead letters and citizen
-- retrieval attempt counters. Times are Unix milliseconds.

-- An event that keeps failing (or that its receiver refuses for good) is
-- dead: kept, out of the delivery window, until an admin retries it.
ALTER TABLE outbox ADD COLUMN dead_at INTEGER;
DROP INDEX outbox_pending;
-- What the worker scans: live (undelivered, not dead) rows of a target.
CREATE INDEX outbox_pending ON outbox (target, id) WHERE delivered_at IS NULL AND dead_at IS NULL;
-- The ordering check: is there an earlier undelivered event (dead or not)
-- about the same certificate?
CREATE INDEX outbox_subject_pending ON outbox (target, subject, id) WHERE delivered_at IS NULL;
CREATE INDEX outbox_dead ON outbox (id) WHERE dead_at IS NOT NULL;

-- Failed citizen retrievals per pre-enrollment code and fixed window,
-- shared by every instance; written in batches (see citizen_limits.rs).
CREATE TABLE citizen_attempts (
    code         TEXT NOT NULL,
    window_start INTEGER NOT NULL,
    failures     INTEGER NOT NULL,
    PRIMARY KEY (code, window_start)
);
CREATE INDEX citizen_attempts_window ON citizen_attempts (window_start);
