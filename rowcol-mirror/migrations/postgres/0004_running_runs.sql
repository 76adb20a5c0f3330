-- Runs still marked running, per client: a sync taking a realm's lease looks
-- for runs a killed process left behind (`abandon_runs`) without scanning
-- the client's whole history.
CREATE INDEX sync_runs_running ON sync_runs (client_id) WHERE status = 'running';
