//! Recording an advisor's decision on one bank line: what `rowcol
//! bank-check --approve/--exclude/--fixed` and Python's
//! `Mirror.review_bank_line` both call, so the checks are the same.

use chrono::{DateTime, Utc};
use rowcol_core::{
    AdvisorId, BankReview, BankReviewAction, ClientId, ErrorContext, ExternalId, PostingRef, Result, RowcolError,
    SnapshotRequest,
};
use rowcol_mirror::Mirror;

/// Months of the mirror searched for the line and the postings named: as
/// far back as a bank feed's history goes (Plaid: two years).
const SEARCHED_MONTHS: u32 = 24;

/// Records `action` on bank line `line` of `client`, decided by `advisor`
/// at `at`, through `Registry::save_bank_review` (which audit-logs it).
///
/// Refuses with `InvalidInput`, writing nothing: a line the mirror does not
/// hold for the client; an approval naming no posting, or a posting the
/// mirror does not hold. The bank check applies the decision from the next
/// check on, through every re-sync.
pub async fn review_bank_line(
    mirror: &dyn Mirror,
    advisor: &AdvisorId,
    client: &ClientId,
    line: &ExternalId,
    action: BankReviewAction,
    at: DateTime<Utc>,
) -> Result<BankReview> {
    let request = SnapshotRequest {
        as_of: at.date_naive(),
        history_months: SEARCHED_MONTHS,
    };
    let s = mirror.snapshot(advisor, client, request).await?;
    let refuse = |reason: String| RowcolError::InvalidInput {
        context: ErrorContext::client(client).with_id(line),
        reason,
    };
    if !s.bank_transactions.iter().any(|t| &t.meta.external_id == line) {
        return Err(refuse(format!(
            "no bank line {line} is mirrored for the client (see `bank-check` for the lines' ids)"
        )));
    }
    if let BankReviewAction::Approve { postings } = &action {
        if postings.is_empty() {
            return Err(refuse(
                "an approval names the postings the line is (KIND:ID, ...)".into(),
            ));
        }
        let held = |p: &PostingRef| {
            s.entities()
                .any(|e| e.kind() == p.kind && e.meta().external_id == p.document)
        };
        if let Some(missing) = postings.iter().find(|p| !held(p)) {
            return Err(refuse(format!(
                "the books hold no {} {} for the client",
                missing.kind.as_str(),
                missing.document
            )));
        }
    }
    let review = BankReview {
        client: client.clone(),
        line: line.clone(),
        action,
        by: advisor.clone(),
        at,
    };
    mirror.save_bank_review(advisor, &review).await?;
    Ok(review)
}
