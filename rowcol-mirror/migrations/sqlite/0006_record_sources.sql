-- The rail's payload as received (`raw`) leaves `records` for a table of its
-- own. No read uses it (it is kept for fidelity), and in the record's row
-- every cold snapshot walked it: with payloads of the look-alike's size
-- (about 750 bytes, against about 200 for the packed record) the snapshot
-- read three to four times the pages. A tombstone leaves the last payload
-- here, as it leaves the last state in `records`. No foreign key: `apply`
-- refuses an unknown client before it writes anything.
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
