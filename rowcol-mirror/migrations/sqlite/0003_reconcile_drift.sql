-- What a reconcile run found: the differences between the mirror and its
-- source, so health can show the last reconciliation and its drift.
ALTER TABLE sync_runs ADD COLUMN drift BIGINT NOT NULL DEFAULT 0;
