-- An advisor's decision on one bank line (rowcol_core::BankReview): one per
-- line, a later decision replacing the one before; each decision is also
-- appended to the client's audit log (action `review`). Not a mirrored row:
-- a re-sync of the line leaves it as it is.
CREATE TABLE bank_reviews (
    client_id  TEXT NOT NULL REFERENCES clients (id),
    line_id    TEXT NOT NULL,
    -- approve | exclude | fixed_at_source
    action     TEXT NOT NULL,
    -- the approved postings as JSON ([{"kind", "document"}]); [] otherwise
    postings   TEXT NOT NULL,
    by_advisor TEXT NOT NULL,
    at_us      BIGINT NOT NULL,
    PRIMARY KEY (client_id, line_id)
);
