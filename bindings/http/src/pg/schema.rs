//! The PostgreSQL schema: the tables of the SQLite store with PostgreSQL types, the claim
//! columns of timers, and the triggers that keep versions, the audit log, the history and the
//! outbox append-only.

use super::MIGRATE_LOCK;
use crate::store::StoreError;

/// The schema this build writes.
pub const SCHEMA_VERSION: i64 = 3;

const SCHEMA: &str = r"
CREATE TABLE IF NOT EXISTS ordo_schema_version (version BIGINT NOT NULL);

CREATE OR REPLACE FUNCTION ordo_refuse() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN RAISE EXCEPTION '%', TG_ARGV[0]; END $$;

CREATE TABLE IF NOT EXISTS ruleset_versions (
    pos          BIGSERIAL UNIQUE,
    name         TEXT   NOT NULL,
    version      TEXT   NOT NULL,
    hash         TEXT   NOT NULL,
    effective    TEXT,
    source       TEXT   NOT NULL,
    artifact     BYTEA  NOT NULL,
    published_by TEXT   NOT NULL,
    published_at BIGINT NOT NULL,
    PRIMARY KEY (name, version)
);
CREATE OR REPLACE TRIGGER ruleset_versions_immutable BEFORE UPDATE OR DELETE ON ruleset_versions
FOR EACH ROW EXECUTE FUNCTION ordo_refuse('published ruleset versions are immutable');

CREATE SEQUENCE IF NOT EXISTS audit_ids;
CREATE TABLE IF NOT EXISTS audit_log (
    id            BIGINT PRIMARY KEY,
    at            BIGINT NOT NULL,
    caller        TEXT   NOT NULL,
    operation     TEXT   NOT NULL,
    ruleset       TEXT   NOT NULL,
    version       TEXT,
    hash          TEXT,
    request       TEXT   NOT NULL,
    result_sha256 TEXT   NOT NULL,
    outcome       TEXT   NOT NULL
);
CREATE INDEX IF NOT EXISTS audit_by_ruleset ON audit_log (ruleset, version, id);
CREATE INDEX IF NOT EXISTS audit_by_caller ON audit_log (caller, id);
CREATE INDEX IF NOT EXISTS audit_by_time ON audit_log (at);
-- The audit log is append-only; only a prune deletes (`ordo.audit_prune`, set for its own
-- transaction) and only the chain migration writes the hashes of old entries.
CREATE OR REPLACE FUNCTION ordo_audit_guard() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' AND current_setting('ordo.audit_prune', true) = 'on' THEN
        RETURN OLD;
    END IF;
    IF TG_OP = 'UPDATE' AND current_setting('ordo.audit_chain_migration', true) = 'on' THEN
        RETURN NEW;
    END IF;
    RAISE EXCEPTION 'the audit log is append-only';
END $$;
CREATE OR REPLACE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON audit_log
FOR EACH ROW EXECUTE FUNCTION ordo_audit_guard();

CREATE TABLE IF NOT EXISTS instances (
    pos            BIGSERIAL PRIMARY KEY,
    id             TEXT   NOT NULL UNIQUE,
    ruleset        TEXT   NOT NULL,
    version        TEXT   NOT NULL,
    hash           TEXT   NOT NULL,
    workflow       TEXT   NOT NULL,
    state          TEXT   NOT NULL,
    previous_state TEXT,
    owner          TEXT,
    due_at         BIGINT,
    input          TEXT   NOT NULL,
    seq            BIGINT NOT NULL,
    entered_at     BIGINT NOT NULL,
    created_at     BIGINT NOT NULL,
    created_by     TEXT   NOT NULL,
    updated_at     BIGINT NOT NULL
);
CREATE INDEX IF NOT EXISTS instances_by_ruleset ON instances (ruleset, workflow, state);
CREATE INDEX IF NOT EXISTS instances_by_owner ON instances (owner);
CREATE INDEX IF NOT EXISTS instances_by_due ON instances (due_at);
CREATE INDEX IF NOT EXISTS instances_by_update ON instances (updated_at);

CREATE TABLE IF NOT EXISTS instance_history (
    id          BIGSERIAL PRIMARY KEY,
    instance    TEXT   NOT NULL,
    kind        TEXT   NOT NULL,
    name        TEXT,
    seq         BIGINT NOT NULL,
    actor       TEXT   NOT NULL,
    actor_roles TEXT   NOT NULL,
    at          BIGINT NOT NULL,
    from_state  TEXT,
    to_state    TEXT,
    actions     TEXT   NOT NULL,
    detail      TEXT
);
CREATE INDEX IF NOT EXISTS history_by_instance ON instance_history (instance, id);
CREATE OR REPLACE TRIGGER instance_history_append_only BEFORE UPDATE OR DELETE ON instance_history
FOR EACH ROW EXECUTE FUNCTION ordo_refuse('the instance history is append-only');

CREATE TABLE IF NOT EXISTS timers (
    instance      TEXT   NOT NULL,
    trigger       TEXT   NOT NULL,
    due_at        BIGINT NOT NULL,
    claimed_by    TEXT,
    claimed_until BIGINT,
    PRIMARY KEY (instance, trigger)
);
CREATE INDEX IF NOT EXISTS timers_by_due ON timers (due_at);

CREATE TABLE IF NOT EXISTS approval_decisions (
    instance TEXT   NOT NULL,
    chain    TEXT   NOT NULL,
    step     TEXT   NOT NULL,
    person   TEXT   NOT NULL,
    role     TEXT,
    decision TEXT   NOT NULL CHECK (decision IN ('grant', 'reject')),
    facts    TEXT   NOT NULL,
    at       BIGINT NOT NULL,
    PRIMARY KEY (instance, chain, step, person)
);

CREATE TABLE IF NOT EXISTS pending_steps (
    instance   TEXT   NOT NULL,
    chain      TEXT   NOT NULL,
    step       TEXT   NOT NULL,
    label      TEXT   NOT NULL,
    roles      TEXT   NOT NULL,
    status     TEXT   NOT NULL,
    facts      TEXT   NOT NULL,
    granted_by TEXT   NOT NULL,
    since      BIGINT NOT NULL,
    PRIMARY KEY (instance, chain, step)
);

CREATE SEQUENCE IF NOT EXISTS outbox_seqs;
CREATE TABLE IF NOT EXISTS outbox (
    seq       BIGINT PRIMARY KEY,
    key       TEXT   NOT NULL UNIQUE,
    instance  TEXT   NOT NULL,
    event_seq BIGINT NOT NULL,
    trigger   TEXT   NOT NULL,
    action    TEXT   NOT NULL,
    at        BIGINT NOT NULL
);
CREATE OR REPLACE TRIGGER outbox_append_only BEFORE UPDATE OR DELETE ON outbox
FOR EACH ROW EXECUTE FUNCTION ordo_refuse('the outbox is append-only');

CREATE TABLE IF NOT EXISTS webhook_cursors (
    webhook TEXT   PRIMARY KEY,
    after   BIGINT NOT NULL
);

CREATE TABLE IF NOT EXISTS deliveries (
    outbox_seq      BIGINT NOT NULL,
    webhook         TEXT   NOT NULL,
    status          TEXT   NOT NULL CHECK (status IN ('pending', 'delivered', 'failed')),
    attempts        BIGINT NOT NULL,
    next_at         BIGINT NOT NULL,
    last_error      TEXT,
    last_attempt_at BIGINT,
    delivered_at    BIGINT,
    created_at      BIGINT NOT NULL,
    PRIMARY KEY (outbox_seq, webhook)
);
CREATE INDEX IF NOT EXISTS deliveries_due ON deliveries (status, next_at);

CREATE TABLE IF NOT EXISTS delegations (
    id         BIGSERIAL PRIMARY KEY,
    delegator  TEXT   NOT NULL,
    delegate   TEXT   NOT NULL,
    role       TEXT   NOT NULL,
    starts_at  BIGINT NOT NULL,
    ends_at    BIGINT NOT NULL,
    created_at BIGINT NOT NULL,
    revoked_at BIGINT
);
CREATE INDEX IF NOT EXISTS delegations_by_delegate ON delegations (delegate, ends_at);
";

/// Takes the migration steps above version `found`, in order (version 1's tables are what
/// [`SCHEMA`] creates). Each step is a function of its own; the next one is added here.
async fn take_steps(tx: &deadpool_postgres::Transaction<'_>, found: i64) -> Result<(), StoreError> {
    if found < 2 {
        super::version_events::add_version_events(tx).await?;
    }
    if found < 3 {
        crate::audit_ops::postgres::add_chain(tx).await?;
    }
    Ok(())
}

/// Creates the tables, or checks and migrates them, in one transaction under an advisory
/// lock (replicas starting together take turns).
pub async fn migrate(client: &mut deadpool_postgres::Object) -> Result<(), StoreError> {
    let tx = client.transaction().await?;
    tx.execute("SELECT pg_advisory_xact_lock($1)", &[&MIGRATE_LOCK])
        .await?;
    tx.batch_execute("CREATE TABLE IF NOT EXISTS ordo_schema_version (version BIGINT NOT NULL)")
        .await?;
    let found: Option<i64> = tx
        .query_one("SELECT max(version) FROM ordo_schema_version", &[])
        .await?
        .try_get(0)?;
    if let Some(found) = found
        && found > SCHEMA_VERSION
    {
        return Err(StoreError::PgSchema {
            found,
            supported: SCHEMA_VERSION,
        });
    }
    tx.batch_execute(SCHEMA).await?;
    tx.batch_execute(super::dashboard::SCHEMA).await?;
    take_steps(&tx, found.unwrap_or(0)).await?;
    if found.is_none() {
        tx.execute(
            "INSERT INTO ordo_schema_version (version) VALUES ($1)",
            &[&SCHEMA_VERSION],
        )
        .await?;
    } else {
        tx.execute(
            "UPDATE ordo_schema_version SET version = $1",
            &[&SCHEMA_VERSION],
        )
        .await?;
    }
    tx.commit().await?;
    Ok(())
}
