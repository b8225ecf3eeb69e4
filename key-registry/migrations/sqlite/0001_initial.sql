-- key-registry schema, version 1 (SQLite). Times are Unix milliseconds.
-- The PostgreSQL schema (migrations/postgres) has the same tables and
-- columns; the queries are written once for both.

-- Bearer tokens (SHA-256 of the secret only). role: 'registry-admin' or
-- 'issuer' (then issuer_id names the issuer it speaks for).
CREATE TABLE api_tokens (
    id          TEXT PRIMARY KEY,
    token_hash  TEXT NOT NULL UNIQUE,
    role        TEXT NOT NULL CHECK (role IN ('registry-admin', 'issuer')),
    issuer_id   TEXT,
    label       TEXT NOT NULL,
    created_at  INTEGER NOT NULL,
    expires_at  INTEGER,
    revoked_at  INTEGER
);

-- The registry's anchor keys, private parts sealed under the master key.
-- Exactly one is 'active' (signs the lists); at most one is 'next'
-- (announced in the trust list, signs after activation).
CREATE TABLE anchors (
    seq          INTEGER PRIMARY KEY,
    thumbprint   TEXT NOT NULL UNIQUE,
    public_jwk   TEXT NOT NULL,
    sealed_key   TEXT NOT NULL,
    state        TEXT NOT NULL CHECK (state IN ('next', 'active', 'retired')),
    created_at   INTEGER NOT NULL,
    activated_at INTEGER
);
CREATE UNIQUE INDEX anchors_one_active ON anchors (state) WHERE state = 'active';
CREATE UNIQUE INDEX anchors_one_next ON anchors (state) WHERE state = 'next';

-- Issuers, by the id their credentials carry in `issuer`; `did` is the DID
-- their keys and events name (did:web), `slug` their URL-safe key.
CREATE TABLE issuers (
    id          TEXT PRIMARY KEY,
    slug        TEXT NOT NULL UNIQUE,
    did         TEXT UNIQUE,
    name        TEXT NOT NULL,
    country     TEXT NOT NULL,
    contexts    TEXT NOT NULL,
    created_at  INTEGER NOT NULL,
    updated_at  INTEGER NOT NULL
);

CREATE TABLE issuer_keys (
    issuer_id      TEXT NOT NULL REFERENCES issuers (id),
    kid            TEXT NOT NULL,
    public_jwk     TEXT NOT NULL,
    valid_from     INTEGER NOT NULL,
    valid_until    INTEGER,
    status         TEXT NOT NULL CHECK (status IN ('active', 'retired', 'compromised')),
    compromised_at INTEGER,
    created_at     INTEGER NOT NULL,
    updated_at     INTEGER NOT NULL,
    PRIMARY KEY (issuer_id, kid)
);
CREATE INDEX issuer_keys_kid ON issuer_keys (kid);

-- Every published list's current version ('trust', 'revocations',
-- 'rules:<profile>'): bumped with UPDATE ... RETURNING inside the
-- publishing transaction, so versions only go up, across crashes and
-- instances.
CREATE TABLE list_heads (
    list     TEXT PRIMARY KEY,
    version  INTEGER NOT NULL
);

-- Each version: its dates, the anchor that signs it and, for the small
-- lists, the signed bytes (revocation lists are rebuilt, deterministically,
-- from revocation_changes).
CREATE TABLE list_versions (
    list        TEXT NOT NULL,
    version     INTEGER NOT NULL,
    issued_at   INTEGER NOT NULL,
    next_update INTEGER NOT NULL,
    anchor      TEXT NOT NULL,
    body        BLOB,
    PRIMARY KEY (list, version)
);

-- The rules each profile publishes (the signed bytes are in list_versions).
CREATE TABLE rules (
    profile     TEXT PRIMARY KEY,
    name        TEXT NOT NULL,
    rules       TEXT NOT NULL,
    updated_at  INTEGER NOT NULL
);

-- Revocation history, append-only: the list at version V is the fold of
-- the rows up to V; a delta from N is the rows after N. action: 'cover'
-- (the issuer enters the list), 'revoke', 'suspend', 'unsuspend'. A row
-- names a certificate by id, or by status list and index.
CREATE TABLE revocation_changes (
    seq             INTEGER PRIMARY KEY AUTOINCREMENT,
    version         INTEGER NOT NULL,
    issuer_id       TEXT NOT NULL REFERENCES issuers (id),
    action          TEXT NOT NULL CHECK (action IN ('cover', 'revoke', 'suspend', 'unsuspend')),
    certificate_id  TEXT,
    status_list     TEXT,
    status_index    INTEGER,
    suspended_until INTEGER,
    event_id        TEXT,
    at              INTEGER NOT NULL
);
CREATE INDEX revocation_changes_version ON revocation_changes (version);
CREATE INDEX revocation_changes_certificate ON revocation_changes (issuer_id, certificate_id);
CREATE INDEX revocation_changes_status ON revocation_changes (issuer_id, status_list, status_index);

-- Issuer events seen: the outbox delivers at least once.
CREATE TABLE ingested_events (
    event_id     TEXT PRIMARY KEY,
    issuer_id    TEXT NOT NULL,
    received_at  INTEGER NOT NULL,
    outcome      TEXT NOT NULL,
    version      INTEGER NOT NULL
);

CREATE TABLE audit_log (
    id       INTEGER PRIMARY KEY AUTOINCREMENT,
    at       INTEGER NOT NULL,
    actor    TEXT NOT NULL,
    action   TEXT NOT NULL,
    subject  TEXT,
    details  TEXT NOT NULL
);
