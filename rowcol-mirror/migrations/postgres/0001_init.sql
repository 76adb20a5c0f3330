-- RowCol mirror schema, PostgreSQL edition. The SQLite edition has the same
-- tables and columns; only types differ (money is NUMERIC here, TEXT in SQLite
-- so SQLite never turns it into a float). Instants are BIGINT microseconds
-- since the Unix epoch (UTC); dates are ISO 'YYYY-MM-DD' text, which sorts
-- and compares correctly.

-- ---------------------------------------------------------------- owned
CREATE TABLE advisors (
    id   TEXT PRIMARY KEY,
    name TEXT NOT NULL
);

CREATE TABLE clients (
    id            TEXT PRIMARY KEY,
    advisor_id    TEXT NOT NULL REFERENCES advisors (id),
    name          TEXT NOT NULL,
    home_currency TEXT NOT NULL
);
-- portfolio(advisor) and every tenant-scope check look clients up by advisor.
CREATE INDEX clients_by_advisor ON clients (advisor_id, id);

CREATE TABLE connections (
    client_id TEXT NOT NULL REFERENCES clients (id),
    rail      TEXT NOT NULL,
    realm_id  TEXT NOT NULL,
    status    TEXT NOT NULL,
    PRIMARY KEY (client_id, rail)
);

-- Tokens sealed with XChaCha20-Poly1305 (nonce || ciphertext); the key never
-- touches the database.
CREATE TABLE credentials (
    client_id  TEXT NOT NULL REFERENCES clients (id),
    rail       TEXT NOT NULL,
    sealed     BYTEA NOT NULL,
    updated_us BIGINT NOT NULL,
    PRIMARY KEY (client_id, rail)
);

CREATE TABLE client_settings (
    client_id  TEXT PRIMARY KEY REFERENCES clients (id),
    settings   TEXT NOT NULL,
    updated_us BIGINT NOT NULL
);

CREATE TABLE reviews (
    client_id   TEXT NOT NULL REFERENCES clients (id),
    rule_id     TEXT NOT NULL,
    kind        TEXT NOT NULL,
    external_id TEXT NOT NULL,
    version     TEXT NOT NULL,
    decision    TEXT NOT NULL,
    by_advisor  TEXT NOT NULL,
    at_us       BIGINT NOT NULL,
    PRIMARY KEY (client_id, rule_id, kind, external_id)
);

-- ---------------------------------------------------------------- mirrored
-- One table for every mirrored kind: the typed columns are the ones the read
-- side filters or sums on; `doc` is the rail-neutral record (serde JSON) and
-- `raw` the payload exactly as the rail sent it. A tombstone for a record
-- never seen has no doc.
CREATE TABLE records (
    client_id   TEXT NOT NULL REFERENCES clients (id),
    rail        TEXT NOT NULL,
    kind        TEXT NOT NULL,
    external_id TEXT NOT NULL,
    version     TEXT NOT NULL,
    updated_us  BIGINT NOT NULL,
    deleted     BOOLEAN NOT NULL,
    merged_into TEXT,
    txn_date    TEXT,
    due_date    TEXT,
    currency    TEXT,
    total       NUMERIC,
    balance     NUMERIC,
    is_open     BOOLEAN NOT NULL,
    party_id    TEXT,
    active      BOOLEAN,
    doc         TEXT,
    raw         TEXT,
    synced_us   BIGINT NOT NULL,
    PRIMARY KEY (client_id, rail, kind, external_id)
);
-- bills_due / overdue_invoices and the snapshot's "open whatever the date" part.
CREATE INDEX records_open_by_due ON records (client_id, kind, is_open, due_date);
-- the snapshot's history window over transactions.
CREATE INDEX records_by_txn_date ON records (client_id, kind, txn_date);

CREATE TABLE checkpoints (
    client_id    TEXT NOT NULL REFERENCES clients (id),
    rail         TEXT NOT NULL,
    position     TEXT NOT NULL,
    committed_us BIGINT NOT NULL,
    PRIMARY KEY (client_id, rail)
);

CREATE TABLE sync_runs (
    id            BIGSERIAL PRIMARY KEY,
    client_id     TEXT NOT NULL REFERENCES clients (id),
    rail          TEXT NOT NULL,
    trigger       TEXT NOT NULL,
    mode          TEXT NOT NULL,
    status        TEXT NOT NULL,
    started_us    BIGINT NOT NULL,
    finished_us   BIGINT,
    fetched       BIGINT NOT NULL DEFAULT 0,
    applied       BIGINT NOT NULL DEFAULT 0,
    unchanged     BIGINT NOT NULL DEFAULT 0,
    deleted       BIGINT NOT NULL DEFAULT 0,
    dead_lettered BIGINT NOT NULL DEFAULT 0,
    api_calls     BIGINT NOT NULL DEFAULT 0,
    error         TEXT
);
-- runs(client) newest first, and health's "failures since the last success".
CREATE INDEX sync_runs_by_client ON sync_runs (client_id, id);

-- `fingerprint` is the external id, or a hash of the payload when it has none,
-- so a record rejected again bumps `attempts` instead of piling up.
CREATE TABLE dead_letters (
    id          BIGSERIAL PRIMARY KEY,
    client_id   TEXT NOT NULL REFERENCES clients (id),
    rail        TEXT NOT NULL,
    kind        TEXT NOT NULL,
    fingerprint TEXT NOT NULL,
    external_id TEXT,
    raw         TEXT NOT NULL,
    reason      TEXT NOT NULL,
    first_us    BIGINT NOT NULL,
    last_us     BIGINT NOT NULL,
    attempts    BIGINT NOT NULL,
    UNIQUE (client_id, rail, kind, fingerprint)
);

-- One point per account per day.
CREATE TABLE balance_history (
    client_id  TEXT NOT NULL REFERENCES clients (id),
    account_id TEXT NOT NULL,
    on_date    TEXT NOT NULL,
    currency   TEXT NOT NULL,
    balance    NUMERIC NOT NULL,
    PRIMARY KEY (client_id, account_id, on_date)
);

-- Append-only, hash-chained per client (see rowcol_core::sync::AuditEntry).
CREATE TABLE audit_log (
    client_id         TEXT NOT NULL REFERENCES clients (id),
    seq               BIGINT NOT NULL,
    recorded_us       BIGINT NOT NULL,
    action            TEXT NOT NULL,
    kind              TEXT NOT NULL,
    external_id       TEXT NOT NULL,
    version           TEXT NOT NULL,
    source_updated_at TEXT NOT NULL,
    -- the same instant, for the close-date query
    source_updated_us BIGINT NOT NULL,
    txn_date          TEXT,
    run_id            BIGINT,
    prev_hash         TEXT NOT NULL,
    hash              TEXT NOT NULL,
    PRIMARY KEY (client_id, seq)
);
-- late changes: transactions dated in a closed period, changed after it.
CREATE INDEX audit_by_txn_date ON audit_log (client_id, txn_date);

CREATE FUNCTION audit_log_refuse_change() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'audit_log is append-only';
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON audit_log
FOR EACH ROW EXECUTE FUNCTION audit_log_refuse_change();

CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log
FOR EACH STATEMENT EXECUTE FUNCTION audit_log_refuse_change();
