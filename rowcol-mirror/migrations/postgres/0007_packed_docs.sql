-- `records.doc` holds a record's packed form (a format byte, then
-- MessagePack; see codec.rs), which is bytes. Docs already stored keep their
-- JSON as UTF-8 bytes: a doc starting with `{` is still read as JSON, and is
-- packed when the record next changes.
ALTER TABLE records ALTER COLUMN doc TYPE BYTEA USING convert_to(doc, 'UTF8');
