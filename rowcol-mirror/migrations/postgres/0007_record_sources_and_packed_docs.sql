-- The rail's payload as received (`raw`) leaves `records` for a table of its
-- own. No read uses it (it is kept for fidelity), and in the record's row
-- every cold snapshot walked it: with payloads of the look-alike's size
-- (about 750 bytes, against about 200 for the packed record) the snapshot
-- read three to four times the pages. A tombstone leaves the last payload
-- here, as it leaves the last state in `records`. No foreign key, as for
-- `records` (0005): `apply` locks the client's row and refuses an unknown
-- client.
CREATE TABLE record_sources (
    client_id   TEXT NOT NULL,
    rail        TEXT NOT NULL,
    kind        TEXT NOT NULL,
    external_id TEXT NOT NULL,
    raw         TEXT NOT NULL,
    PRIMARY KEY (client_id, rail, kind, external_id)
);
INSERT INTO record_sources (client_id, rail, kind, external_id, raw)
SELECT client_id, rail, kind, external_id, raw FROM records WHERE raw IS NOT NULL;
ALTER TABLE records DROP COLUMN raw;

-- `records.doc` holds a record's packed form (a format byte, then
-- MessagePack; see codec.rs), which is bytes. Docs already stored keep their
-- JSON as UTF-8 bytes: a doc starting with `{` is still read as JSON, and is
-- packed when the record next changes. The type change rewrites the table,
-- which also frees the dropped payloads' space.
ALTER TABLE records ALTER COLUMN doc TYPE BYTEA USING convert_to(doc, 'UTF8');
