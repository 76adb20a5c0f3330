-- Named, expiring, exclusive leases (the LeaseStore port): one row per lease.
-- A realm's sync and its OAuth refresh each take one, so two worker
-- processes never sync one realm at once nor spend one refresh token twice.
-- A killed holder's lease frees itself when `expires_us` passes.
CREATE TABLE leases (
    name       TEXT PRIMARY KEY,
    holder     TEXT NOT NULL,
    expires_us BIGINT NOT NULL
);
