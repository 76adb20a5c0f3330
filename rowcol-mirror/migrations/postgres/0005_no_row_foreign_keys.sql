-- `records` and `audit_log` no longer reference `clients` row by row: the
-- foreign-key check cost a lookup per inserted row (about a fifth of a
-- 1,000-record batch's insert time). Their only writer, `apply`, locks the
-- client's row (`SELECT ... FOR UPDATE`) before writing and refuses a client
-- that is not registered, and no code deletes clients, so every row still
-- belongs to a registered client. The low-volume tables keep their keys.
ALTER TABLE records DROP CONSTRAINT IF EXISTS records_client_id_fkey;
ALTER TABLE audit_log DROP CONSTRAINT IF EXISTS audit_log_client_id_fkey;
