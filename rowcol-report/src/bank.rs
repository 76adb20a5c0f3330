//! "Books against the bank": a client's bank check as terminal text (what
//! `rowcol bank-check` prints) and as a section of the HTML report.
//! Presentation only: every figure comes from
//! [`rowcol_runway::bank_check::check`].

use comfy_table::Table;
use rowcol_core::{ClientSnapshot, Currency, ExternalId, Money};
use rowcol_runway::bank_check::BankCheck;
use rowcol_runway::bank_match::{AccountMatch, Explained, ExplainedItem, NeedsReview, PostingRef, ReviewReason};
use rust_decimal::Decimal;

use crate::escape::escape;
use crate::text::money_text;

/// What the summary's figures are (the walk's own definition follows it).
pub const BANK_CHECK_SUMMARY_DEFINITION: &str = "matched: bank lines paired with book postings; to review: lines \
     waiting for a human (round amounts, several candidates, an approved posting gone); unrecorded: posted lines the \
     books miss, less those marked fixed at source; uncleared: postings the bank has not shown (overdue past the \
     clearing window); unexplained: the sum over linked accounts of what the line-by-line walk from the ledger \
     balance to the bank balance leaves, absolute, in the home currency";

/// One row of a balance walk: what it is, its date, its amount as it
/// enters the sum.
struct WalkRow {
    what: String,
    date: String,
    amount: Option<Decimal>,
}

/// The bank check as terminal text: per linked account its counts, then
/// per account the walk from the ledger balance to the bank balance line by
/// line, then the findings with their suggested fixes, then the summary and
/// the definitions.
pub fn bank_check_text(s: &ClientSnapshot, check: &BankCheck) -> String {
    let mut out = String::new();
    out.push_str(&format!(
        "Books against the bank, {} ({}), as of {}\n",
        s.name, s.client, check.as_of
    ));
    if check.result.accounts.is_empty() {
        out.push_str("No bank account is linked to the books: nothing to check.\n");
    } else {
        let mut counts = Table::new();
        counts.set_header([
            "bank account",
            "ledger account",
            "matched",
            "to review",
            "unrecorded",
            "uncleared (overdue)",
            "pending",
            "excluded",
            "unexplained",
        ]);
        for a in &check.result.accounts {
            counts.add_row([
                bank_name(s, &a.bank_account),
                ledger_name(s, &a.ledger_account),
                a.matched.len().to_string(),
                a.review.len().to_string(),
                a.unrecorded.len().to_string(),
                format!(
                    "{} ({})",
                    a.uncleared.len(),
                    a.uncleared.iter().filter(|u| u.overdue).count()
                ),
                a.pending.len().to_string(),
                a.excluded.len().to_string(),
                residual_text(a),
            ]);
        }
        out.push_str(&format!("{counts}\n"));
        for a in &check.result.accounts {
            out.push_str(&format!(
                "\nBalance walk: {} -> {}\n",
                ledger_name(s, &a.ledger_account),
                bank_name(s, &a.bank_account)
            ));
            if let Some(from) = a.findings_from {
                out.push_str(&format!(
                    "(findings from {from} on: an earlier line or posting may have its other side before the \
                     books read; it stays in the walk)\n"
                ));
            }
            let mut walk = Table::new();
            walk.set_header(["from the ledger balance to the bank's", "date", "moves it by"]);
            for row in walk_rows(s, a) {
                walk.add_row([
                    row.what,
                    row.date,
                    row.amount
                        .map_or_else(|| "not stated".to_owned(), |d| money(d, a.currency)),
                ]);
            }
            out.push_str(&format!("{walk}\n"));
        }
        let findings = findings(s, check);
        out.push_str(&format!("\nFindings ({})\n", findings.len()));

        if findings.is_empty() {
            out.push_str("  none: every posted line is in the books and every posting cleared\n");
        }
        for f in findings {
            out.push_str(&format!("  - {f}\n"));
        }
    }
    for id in &check.result.unlinked {
        out.push_str(&format!(
            "Not linked: bank account {} (no ledger account of its name and kind; link it in the client's settings)\n",
            bank_name(s, id)
        ));
    }
    let m = &check.summary;
    out.push_str(&format!(
        "\nunexplained {} · to review {} · unrecorded {} · overdue uncleared {} · linked accounts {}\n",
        money_text(&m.unexplained),
        m.to_review,
        m.unrecorded,
        m.overdue_uncleared,
        m.linked_accounts
    ));
    out.push_str(&format!(
        "\n{BANK_CHECK_SUMMARY_DEFINITION}.\n{}\n",
        check.result.definition
    ));
    out
}

/// The "Books against the bank" section of a client in the HTML report.
pub(crate) fn bank_section(s: &ClientSnapshot, check: &BankCheck) -> String {
    let m = &check.summary;
    let rows: String = check
        .result
        .accounts
        .iter()
        .map(|a| {
            format!(
                r#"<tr><td>{}</td><td>{}</td><td class="num">{}</td><td class="num">{}</td><td class="num">{}</td><td class="num">{}</td><td class="num">{}</td></tr>"#,
                escape(&bank_name(s, &a.bank_account)),
                escape(&ledger_name(s, &a.ledger_account)),
                a.matched.len(),
                a.review.len(),
                a.unrecorded.len(),
                a.uncleared.len(),
                escape(&residual_text(a)),
            )
        })
        .collect();
    let findings = findings(s, check);
    let shown = 6;
    let mut items: String = findings
        .iter()
        .take(shown)
        .map(|f| format!("<li>{}</li>", escape(f)))
        .collect();
    if findings.len() > shown {
        items.push_str(&format!(r#"<li class="more">and {} more</li>"#, findings.len() - shown));
    }
    if findings.is_empty() {
        items = r#"<li class="empty">Every posted line is in the books and every posting cleared.</li>"#.to_owned();
    }
    format!(
        r#"<div class="bank-check"><h3>Books against the bank</h3><p>Unexplained <b class="money">{}</b> · to review {} · unrecorded {} · overdue uncleared {}</p><table><thead><tr><th>Bank account</th><th>Ledger account</th><th class="num">Matched</th><th class="num">To review</th><th class="num">Unrecorded</th><th class="num">Uncleared</th><th class="num">Unexplained</th></tr></thead><tbody>{rows}</tbody></table><ul>{items}</ul><p class="fine">{}.</p></div>"#,
        escape(&money_text(&m.unexplained)),
        m.to_review,
        m.unrecorded,
        m.overdue_uncleared,
        escape(BANK_CHECK_SUMMARY_DEFINITION),
    )
}

/// The walk of one account: the ledger balance, each item by what it moves
/// the ledger balance toward the bank's (a posting not cleared by minus its
/// amount), what is left unexplained, the bank balance.
fn walk_rows(s: &ClientSnapshot, a: &AccountMatch) -> Vec<WalkRow> {
    let e = &a.explanation;
    let mut rows = vec![WalkRow {
        what: "ledger balance".to_owned(),
        date: String::new(),
        amount: e.ledger,
    }];
    let item = |prefix: &str, i: &ExplainedItem, sign: Decimal| WalkRow {
        what: format!("{prefix} {}", explained_name(s, &i.item)),
        date: i.date.to_string(),
        amount: Some(i.amount * sign),
    };
    rows.extend(
        e.unrecorded
            .iter()
            .map(|i| item("line not in the books:", i, Decimal::ONE)),
    );
    rows.extend(
        e.uncleared
            .iter()
            .map(|i| item("posting not cleared:", i, Decimal::NEGATIVE_ONE)),
    );
    rows.extend(e.differences.iter().map(|i| item("amounts differ:", i, Decimal::ONE)));
    rows.push(WalkRow {
        what: "unexplained".to_owned(),
        date: String::new(),
        amount: e.residual,
    });
    rows.push(WalkRow {
        what: "= bank balance".to_owned(),
        date: String::new(),
        amount: e.bank,
    });
    rows
}

/// Every finding in a sentence with its suggested fix: lines the books
/// miss, lines to review, postings overdue at the bank.
fn findings(s: &ClientSnapshot, check: &BankCheck) -> Vec<String> {
    let mut out = Vec::new();
    for a in &check.result.accounts {
        for u in &a.unrecorded {
            out.push(format!(
                "{} {} {} {}: not in the books; fix: {} (line {})",
                bank_name(s, &a.bank_account),
                u.date,
                u.name,
                money(u.amount, a.currency),
                u.fix.describe(),
                u.line
            ));
        }
        for r in &a.review {
            out.push(review_text(s, a, r));
        }
        for u in a.uncleared.iter().filter(|u| u.overdue) {
            out.push(format!(
                "{} of {}, {} on {}: not shown by the bank after {} days; fix: check it cleared, or void it",
                posting_name(&u.posting),
                u.date,
                money(u.amount, a.currency),
                ledger_name(s, &a.ledger_account),
                u.days_outstanding
            ));
        }
    }
    out
}

fn review_text(s: &ClientSnapshot, a: &AccountMatch, r: &NeedsReview) -> String {
    let why = match r.reason {
        ReviewReason::RoundAmount => "a round amount",
        ReviewReason::SeveralCandidates => "several candidates",
        ReviewReason::ApprovedPostingGone => "an approved posting is gone",
    };
    let candidates: Vec<String> = r
        .candidates
        .iter()
        .map(|c| c.iter().map(posting_arg).collect::<Vec<_>>().join(","))
        .collect();
    let choose = if candidates.is_empty() {
        format!("--exclude {} or --fixed {}", r.line, r.line)
    } else {
        format!("--approve {} --postings {}", r.line, candidates.join(" | "))
    };
    format!(
        "{} {} {} ({}): to review, {why}; fix: {choose}",
        bank_name(s, &a.bank_account),
        r.date,
        money(r.amount, a.currency),
        line_name(s, &r.line),
    )
}

fn residual_text(a: &AccountMatch) -> String {
    a.explanation
        .residual
        .map_or_else(|| "no balance".to_owned(), |d| money(d, a.currency))
}

fn money(amount: Decimal, currency: Currency) -> String {
    money_text(&Money::new(amount, currency))
}

/// `KIND:ID`, as `--postings` takes it.
fn posting_arg(p: &PostingRef) -> String {
    format!("{}:{}", p.kind.as_str(), p.document)
}

fn posting_name(p: &PostingRef) -> String {
    format!("{} {}", p.kind.as_str().replace('_', " "), p.document)
}

fn explained_name(s: &ClientSnapshot, item: &Explained) -> String {
    match item {
        Explained::Line(id) => line_name(s, id),
        Explained::Posting(p) => posting_name(p),
    }
}

fn line_name(s: &ClientSnapshot, id: &ExternalId) -> String {
    s.bank_transactions
        .iter()
        .find(|t| &t.meta.external_id == id)
        .map_or_else(|| format!("line {id}"), |t| format!("{} (line {id})", t.name))
}

fn bank_name(s: &ClientSnapshot, id: &ExternalId) -> String {
    s.bank_accounts
        .iter()
        .find(|a| &a.meta.external_id == id)
        .map_or_else(|| id.to_string(), |a| a.name.clone())
}

fn ledger_name(s: &ClientSnapshot, id: &ExternalId) -> String {
    s.accounts
        .iter()
        .find(|a| &a.meta.external_id == id)
        .map_or_else(|| id.to_string(), |a| a.name.clone())
}
