-- Each audit entry of a transaction keeps the record's content fingerprint
-- (rowcol_core::Entity::content_fingerprint: dates, amounts, lines,
-- accounts, party; not its balance), so a change to a closed period can be
-- told from a payment applied by comparing a version with the one before.
-- Entries recorded before stay without one (their hash never covered it).
ALTER TABLE audit_log ADD COLUMN fingerprint TEXT;
-- late changes: a record's previous fingerprinted version. Only entries
-- with a fingerprint enter it (transactions written from now on), so
-- creating it writes nothing for the history already recorded.
CREATE INDEX audit_by_record ON audit_log (client_id, kind, external_id, seq) WHERE fingerprint IS NOT NULL;
