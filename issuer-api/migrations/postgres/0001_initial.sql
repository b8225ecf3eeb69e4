-- issuer-api schema, version 1 (PostgreSQL). Times are Unix milliseconds.

CREATE TABLE certificates (
    id                  TEXT PRIMARY KEY,
    programme           TEXT NOT NULL,
    pre_enrollment_code TEXT NOT NULL,
    dose                BIGINT NOT NULL,
    facility_code       TEXT NOT NULL,
    recipient_identity  TEXT NOT NULL,
    recipient_dob       TEXT,
    recipient_phone     TEXT,
    recipient_email     TEXT,
    vaccination_date    TEXT NOT NULL,
    issued_at           BIGINT NOT NULL,
    key_id              TEXT NOT NULL,
    status              TEXT NOT NULL CHECK (status IN ('active', 'suspended', 'revoked')),
    status_reason       TEXT,
    suspended_until     TEXT,
    status_changed_at   BIGINT,
    replaces            TEXT REFERENCES certificates (id),
    replaced_by         TEXT,
    correction_count    BIGINT NOT NULL DEFAULT 0,
    document            TEXT NOT NULL
);
-- Idempotency: one original certificate per (programme, code, dose);
-- corrections (replaces IS NOT NULL) are outside the key.
CREATE UNIQUE INDEX certificates_idempotency
    ON certificates (programme, pre_enrollment_code, dose) WHERE replaces IS NULL;
CREATE INDEX certificates_code ON certificates (pre_enrollment_code);
CREATE INDEX certificates_identity ON certificates (recipient_identity);

CREATE TABLE audit_log (
    id       BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    at       BIGINT NOT NULL,
    actor    TEXT NOT NULL,
    action   TEXT NOT NULL,
    subject  TEXT,
    details  TEXT NOT NULL
);
CREATE INDEX audit_log_subject ON audit_log (subject);
-- Append-only, enforced by the database itself.
CREATE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN RAISE EXCEPTION 'audit_log is append-only'; END; $$;
CREATE TRIGGER audit_log_no_update BEFORE UPDATE OR DELETE ON audit_log
FOR EACH ROW EXECUTE FUNCTION audit_log_append_only();
CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log
FOR EACH STATEMENT EXECUTE FUNCTION audit_log_append_only();

CREATE TABLE outbox (
    id              BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    target          TEXT NOT NULL,
    subject         TEXT NOT NULL,
    event           TEXT NOT NULL,
    created_at      BIGINT NOT NULL,
    attempts        BIGINT NOT NULL DEFAULT 0,
    next_attempt_at BIGINT NOT NULL,
    delivered_at    BIGINT,
    last_error      TEXT
);
CREATE INDEX outbox_pending ON outbox (target, id) WHERE delivered_at IS NULL;

CREATE TABLE api_tokens (
    id          TEXT PRIMARY KEY,
    token_hash  TEXT NOT NULL UNIQUE,
    role        TEXT NOT NULL,
    facilities  TEXT NOT NULL,
    label       TEXT NOT NULL,
    created_at  BIGINT NOT NULL,
    expires_at  BIGINT,
    revoked_at  BIGINT
);

CREATE TABLE signing_keys (
    kid                   TEXT PRIMARY KEY,
    seq                   BIGINT NOT NULL UNIQUE,
    algorithm             TEXT NOT NULL,
    public_key            TEXT NOT NULL,
    encrypted_private_key TEXT NOT NULL,
    valid_from            BIGINT NOT NULL,
    created_at            BIGINT NOT NULL
);

CREATE TABLE programme_versions (
    version     BIGINT PRIMARY KEY,
    document    TEXT NOT NULL,
    source      TEXT NOT NULL,
    file_hash   TEXT,
    actor       TEXT NOT NULL,
    created_at  BIGINT NOT NULL
);
