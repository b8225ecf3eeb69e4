-- issuer-api schema, version 2 (SQLite): W3C Bitstring Status List entries
-- of the VC 2.0 profile's certificates (src/status.rs).

-- A certificate's entry: the list's URL and the index in it (NULL for
-- DIVOC credentials, which carry none). No two certificates share one.
ALTER TABLE certificates ADD COLUMN status_list TEXT;
ALTER TABLE certificates ADD COLUMN status_index INTEGER;
CREATE UNIQUE INDEX certificates_status_entry
    ON certificates (status_list, status_index) WHERE status_list IS NOT NULL;

-- The next unreserved position on the lists under one base URL, in lists
-- of list_size entries (position p is entry p % list_size of list
-- p / list_size).
CREATE TABLE status_list_counters (
    base          TEXT PRIMARY KEY,
    list_size     INTEGER NOT NULL CHECK (list_size > 0),
    next_position INTEGER NOT NULL CHECK (next_position >= 0)
);
