-- `records` keeps one secondary index, for the one query that needs it,
-- and it holds only the rows that query asks for.
--
-- bills_due / overdue_invoices: open, live records by due date. A paid bill
-- leaves the index, and accounts, vendors and customers never enter it. The
-- predicate uses the query's own terms, so both planners prove it.
DROP INDEX records_open_by_due;
CREATE INDEX records_open_by_due ON records (client_id, kind, due_date) WHERE is_open = TRUE AND deleted = FALSE;
-- `records_by_txn_date` served no query: the snapshot reads a client's
-- records through the primary key's client prefix on both backends (their
-- plans, checked with EXPLAIN on a 100-client mirror), and `apply`'s lookup
-- uses the whole primary key. It cost a quarter of every batch's insert time
-- (PostgreSQL: 1,000 rows into 80,000 took 5.5 ms with the primary key
-- alone, 11 ms with both secondary indexes).
DROP INDEX records_by_txn_date;
