-- The secondary indexes of `records` hold only the rows their queries ask
-- for, so fewer index entries are written: a paid bill leaves the open
-- index, and accounts, vendors and customers (no transaction date) are in
-- neither. `apply`'s lookup of held versions names neither `is_open` nor
-- `txn_date`, so it can only use the primary key.
DROP INDEX records_open_by_due;
DROP INDEX records_by_txn_date;
-- bills_due / overdue_invoices: open, live records by due date (the same
-- terms as the query's, so the planner proves the predicate).
CREATE INDEX records_open_by_due ON records (client_id, kind, due_date) WHERE is_open = TRUE AND deleted = FALSE;
-- transactions by date, for the snapshot's history window once a client's
-- history outgrows it (while it fits, the planner reads the client's records
-- through the primary key).
CREATE INDEX records_by_txn_date ON records (client_id, kind, txn_date) WHERE txn_date IS NOT NULL;
