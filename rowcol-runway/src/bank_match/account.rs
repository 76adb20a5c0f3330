//! The passes over one linked account (see the module docs).

use chrono::NaiveDate;
use rowcol_core::entity::{BankAccount, BankTransaction};
use rowcol_core::{Currency, ExternalId, Money};
use rust_decimal::Decimal;
use rustc_hash::FxHashMap;

use super::explain::{BalanceExplanation, Explained, ExplainedItem, SuggestedFix};
use super::payee::{similar, words};
use super::{
    AccountLink, AccountMatch, BankReviewAction, BookPosting, MatchPass, MatchSettings, MatchedPair, NeedsReview,
    PendingLine, ReviewReason, UnclearedPosting, UnrecordedLine,
};
use crate::calc::rollforward::CashAccountKind;

/// Most subsets tried when looking for an aggregate of one line.
const SEARCH_BUDGET: u32 = 20_000;

/// Everything one account's match reads.
pub(super) struct AccountInput<'a> {
    /// The link being matched.
    pub(super) link: &'a AccountLink,
    /// The bank's account.
    pub(super) account: &'a BankAccount,
    /// Its lines up to "as of", tombstones left out.
    pub(super) lines: &'a [&'a BankTransaction],
    /// The ledger account's postings up to "as of".
    pub(super) postings: &'a [&'a BookPosting],
    /// The ledger account's balance at "as of".
    pub(super) ledger_balance: Option<Money>,
    /// The first day the postings were read from, if not the beginning.
    pub(super) books_from: Option<NaiveDate>,
    /// Human decisions by bank line.
    pub(super) decided: &'a FxHashMap<&'a ExternalId, &'a BankReviewAction>,
    /// The settings.
    pub(super) settings: &'a MatchSettings,
    /// The day matched up to.
    pub(super) as_of: NaiveDate,
}

/// Where a bank line stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum LineState {
    Free,
    Matched,
    Review,
    Excluded,
}

/// Where a posting stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum PostingState {
    Free,
    Used,
    /// Offered to a line in review: no later pass takes it.
    Held,
}

/// The matcher's working state for one account.
struct Matcher<'a> {
    settings: &'a MatchSettings,
    /// Posted lines by date, then id.
    lines: Vec<&'a BankTransaction>,
    line_words: Vec<Vec<String>>,
    line_state: Vec<LineState>,
    fixed_at_source: Vec<bool>,
    /// Postings in the feed's span, by date, then document.
    postings: Vec<&'a BookPosting>,
    posting_words: Vec<Vec<String>>,
    posting_state: Vec<PostingState>,
    matched: Vec<(usize, MatchedPair)>,
    /// The postings of each entry of `matched`, by index.
    matched_parts: Vec<Vec<usize>>,
    /// The candidates of each entry of `review`, by index.
    review_parts: Vec<Vec<Vec<usize>>>,
    review: Vec<(usize, NeedsReview)>,
    differences: Vec<ExplainedItem>,
}

/// Who sits where, for the augmenting paths after passes 2 and 3.
#[derive(Default)]
struct Seats {
    /// The exact-pass match (index into `matched`) holding a posting.
    owner: FxHashMap<usize, usize>,
    /// The posting an exact-pass match of a line holds, by line.
    seated: FxHashMap<usize, usize>,
    /// The review lines (index into `review`) holding a posting.
    holders: FxHashMap<usize, Vec<usize>>,
}

/// One account's match.
pub(super) fn match_account(input: AccountInput<'_>) -> AccountMatch {
    let settings = input.settings;
    let (pending, mut lines): (Vec<&BankTransaction>, Vec<&BankTransaction>) =
        input.lines.iter().copied().partition(|l| l.pending);
    lines.sort_by(|a, b| (a.date, &a.meta.external_id).cmp(&(b.date, &b.meta.external_id)));
    let feed_start = lines
        .first()
        .map(|l| l.date - chrono::Duration::days(settings.window_days));
    let mut postings: Vec<&BookPosting> = input
        .postings
        .iter()
        .copied()
        .filter(|p| feed_start.is_some_and(|start| p.date >= start))
        .collect();
    postings.sort_by(|a, b| (a.date, &a.posting).cmp(&(b.date, &b.posting)));
    let mut m = Matcher {
        settings,
        line_words: lines
            .iter()
            .map(|l| words(&format!("{} {}", l.name, l.merchant_name.as_deref().unwrap_or(""))))
            .collect(),
        line_state: vec![LineState::Free; lines.len()],
        fixed_at_source: vec![false; lines.len()],
        posting_words: postings
            .iter()
            .map(|p| words(p.payee.as_deref().unwrap_or("")))
            .collect(),
        posting_state: vec![PostingState::Free; postings.len()],
        lines,
        postings,
        matched: Vec::new(),
        matched_parts: Vec::new(),
        review_parts: Vec::new(),
        review: Vec::new(),
        differences: Vec::new(),
    };
    m.decisions(input.decided);
    m.exact(MatchPass::AmountDatePayee);
    m.exact(MatchPass::AmountDate);
    m.augment();
    m.aggregate();
    m.join_review();
    m.finish(input, pending)
}

impl<'a> Matcher<'a> {
    /// Days between line `i` and posting `j`.
    fn days(&self, i: usize, j: usize) -> i64 {
        (self.lines[i].date - self.postings[j].date).num_days().abs()
    }

    /// True when line `i`'s amount is round.
    fn round(&self, i: usize) -> bool {
        let unit = self.settings.round_unit;
        !unit.is_zero() && (self.lines[i].amount.amount() % unit).is_zero()
    }

    /// The postings dated within the window of `date`, by index.
    fn window(&self, date: NaiveDate) -> std::ops::Range<usize> {
        let w = chrono::Duration::days(self.settings.window_days);
        let from = self.postings.partition_point(|p| p.date < date - w);
        let to = self.postings.partition_point(|p| p.date <= date + w);
        from..to
    }

    /// Records line `i` as matched to `parts` by `pass`.
    fn pair(&mut self, i: usize, parts: &[usize], pass: MatchPass) {
        for &j in parts {
            self.posting_state[j] = PostingState::Used;
        }
        self.line_state[i] = LineState::Matched;
        let days_apart = parts.iter().map(|&j| self.days(i, j)).max().unwrap_or(0);
        let pair = MatchedPair {
            line: self.lines[i].meta.external_id.clone(),
            postings: parts.iter().map(|&j| self.postings[j].posting.clone()).collect(),
            pass,
            confidence: pass.confidence(),
            days_apart,
        };
        self.matched.push((i, pair));
        self.matched_parts.push(parts.to_vec());
    }

    /// Sends line `i` to review with `candidates`, holding their postings.
    fn hold_for_review(&mut self, i: usize, reason: ReviewReason, candidates: &[Vec<usize>]) {
        self.review_parts.push(candidates.to_vec());
        for &j in candidates.iter().flatten() {
            self.posting_state[j] = PostingState::Held;
        }
        self.line_state[i] = LineState::Review;
        let line = self.lines[i];
        let candidates = candidates
            .iter()
            .map(|c| c.iter().map(|&j| self.postings[j].posting.clone()).collect())
            .collect();
        let review = NeedsReview {
            line: line.meta.external_id.clone(),
            date: line.date,
            amount: line.amount.amount(),
            reason,
            candidates,
        };
        self.review.push((i, review));
    }

    /// Pass 1: human decisions.
    fn decisions(&mut self, decided: &FxHashMap<&ExternalId, &BankReviewAction>) {
        if decided.is_empty() {
            return;
        }
        for i in 0..self.lines.len() {
            match decided.get(&self.lines[i].meta.external_id) {
                Some(BankReviewAction::Exclude) => self.line_state[i] = LineState::Excluded,
                Some(BankReviewAction::FixedAtSource) => self.fixed_at_source[i] = true,
                Some(BankReviewAction::Approve { postings }) => {
                    let mut parts: Vec<usize> = Vec::new();
                    for r in postings {
                        let free = (0..self.postings.len()).find(|&j| {
                            self.posting_state[j] == PostingState::Free
                                && &self.postings[j].posting == r
                                && !parts.contains(&j)
                        });
                        parts.extend(free);
                    }
                    if !postings.is_empty() && parts.len() == postings.len() {
                        let line = self.lines[i];
                        let booked: Decimal = parts.iter().map(|&j| self.postings[j].amount).sum();
                        let difference = line.amount.amount() - booked;
                        if !difference.is_zero() {
                            self.differences.push(ExplainedItem {
                                item: Explained::Line(line.meta.external_id.clone()),
                                date: line.date,
                                amount: difference,
                            });
                        }
                        self.pair(i, &parts, MatchPass::Decision);
                    } else {
                        self.hold_for_review(i, ReviewReason::ApprovedPostingGone, &[parts]);
                    }
                }
                None => {}
            }
        }
    }

    /// Passes 2 and 3: one line to one posting of the same amount.
    fn exact(&mut self, pass: MatchPass) {
        let mut by_amount: FxHashMap<Decimal, Vec<usize>> = FxHashMap::default();
        for (j, p) in self.postings.iter().enumerate() {
            if self.posting_state[j] == PostingState::Free {
                by_amount.entry(p.amount.normalize()).or_default().push(j);
            }
        }
        let mut edges: Vec<(i64, usize, usize)> = Vec::new();
        for i in 0..self.lines.len() {
            if self.line_state[i] != LineState::Free {
                continue;
            }
            let Some(js) = by_amount.get(&self.lines[i].amount.amount().normalize()) else {
                continue;
            };
            let span = self.window(self.lines[i].date);
            for &j in js.iter().filter(|j| span.contains(j)) {
                if pass == MatchPass::AmountDatePayee && !similar(&self.line_words[i], &self.posting_words[j]) {
                    continue;
                }
                edges.push((self.days(i, j), i, j));
            }
        }
        edges.sort_unstable();
        for level in edges.chunk_by(|a, b| a.0 == b.0) {
            let open: Vec<(usize, usize)> = level
                .iter()
                .filter(|e| self.line_state[e.1] == LineState::Free && self.posting_state[e.2] == PostingState::Free)
                .map(|e| (e.1, e.2))
                .collect();
            self.resolve_level(&open, pass);
        }
    }

    /// Settles one score level: twins pair one to one, other ties and round
    /// amounts go to review.
    fn resolve_level(&mut self, edges: &[(usize, usize)], pass: MatchPass) {
        let mut by_line: FxHashMap<usize, Vec<usize>> = FxHashMap::default();
        let mut by_posting: FxHashMap<usize, Vec<usize>> = FxHashMap::default();
        for &(i, j) in edges {
            by_line.entry(i).or_default().push(j);
            by_posting.entry(j).or_default().push(i);
        }
        let mut seen: rustc_hash::FxHashSet<usize> = rustc_hash::FxHashSet::default();
        for &(first, _) in edges {
            if !seen.insert(first) {
                continue;
            }
            // The connected component of this line, walked breadth first.
            let (mut ls, mut ps) = (vec![first], Vec::new());
            let mut next = 0;
            while let Some(&i) = ls.get(next) {
                next += 1;
                for &j in by_line.get(&i).into_iter().flatten() {
                    if ps.contains(&j) {
                        continue;
                    }
                    ps.push(j);
                    for &other in by_posting.get(&j).into_iter().flatten() {
                        if seen.insert(other) {
                            ls.push(other);
                        }
                    }
                }
            }
            ls.sort_unstable();
            ps.sort_unstable();
            let count: usize = ls.iter().map(|i| by_line.get(i).map_or(0, Vec::len)).sum();
            let twins = ls.len() == ps.len() && count == ls.len() * ps.len();
            let round = ls.iter().any(|&i| self.round(i));
            if twins && !round {
                for (&i, &j) in ls.iter().zip(&ps) {
                    self.pair(i, &[j], pass);
                }
            } else {
                let reason = if round {
                    ReviewReason::RoundAmount
                } else {
                    ReviewReason::SeveralCandidates
                };
                for &i in &ls {
                    let mine: Vec<Vec<usize>> = by_line.get(&i).into_iter().flatten().map(|&j| vec![j]).collect();
                    self.hold_for_review(i, reason, &mine);
                }
            }
        }
    }

    /// The postings line `i` could take in passes 2 and 3: the same amount,
    /// within the window.
    fn same_amount(&self, i: usize) -> impl Iterator<Item = usize> + '_ {
        let amount = self.lines[i].amount.amount();
        self.window(self.lines[i].date)
            .filter(move |&j| self.postings[j].amount == amount)
    }

    /// After passes 2 and 3: each free line whose candidates other lines
    /// took gets one where the lines that took them can move to another
    /// free candidate of theirs (see the module docs).
    fn augment(&mut self) {
        let wanting: Vec<usize> = (0..self.lines.len())
            .filter(|&i| self.line_state[i] == LineState::Free && !self.round(i))
            .filter(|&i| self.same_amount(i).any(|j| self.posting_state[j] != PostingState::Free))
            .collect();
        if wanting.is_empty() {
            return;
        }
        let mut seats = Seats::default();
        for (k, ((i, pair), parts)) in self.matched.iter().zip(&self.matched_parts).enumerate() {
            if matches!(pair.pass, MatchPass::AmountDatePayee | MatchPass::AmountDate)
                && let [j] = parts.as_slice()
            {
                seats.owner.insert(*j, k);
                seats.seated.insert(*i, *j);
            }
        }
        seats.holders = self.holders();
        for i in wanting {
            let mut seen = rustc_hash::FxHashSet::default();
            let mut path = Vec::new();
            if !self.seat(i, false, &seats, &mut seen, &mut path) {
                continue;
            }
            // `path` runs from the last posting taken back to line `i`.
            let mut resolved_review = false;
            for (line, j) in path {
                let similar = similar(&self.line_words[line], &self.posting_words[j]);
                let pass = if similar {
                    MatchPass::AmountDatePayee
                } else {
                    MatchPass::AmountDate
                };
                match seats.seated.get(&line).and_then(|old| seats.owner.remove(old)) {
                    Some(k) => {
                        seats.owner.insert(j, k);
                        seats.seated.insert(line, j);
                        self.posting_state[j] = PostingState::Used;
                        let days_apart = self.days(line, j);
                        self.matched_parts[k] = vec![j];
                        let pair = &mut self.matched[k].1;
                        pair.postings = vec![self.postings[j].posting.clone()];
                        pair.pass = pass;
                        pair.confidence = pass.confidence();
                        pair.days_apart = days_apart;
                    }
                    None => {
                        if self.line_state[line] == LineState::Review
                            && let Some(r) = self.review.iter().position(|(l, _)| *l == line)
                        {
                            self.review.remove(r);
                            self.review_parts.remove(r);
                            resolved_review = true;
                        }
                        self.pair(line, &[j], pass);
                        seats.owner.insert(j, self.matched.len() - 1);
                        seats.seated.insert(line, j);
                    }
                }
            }
            if resolved_review {
                seats.holders = self.holders();
            }
        }
    }

    /// The review lines a posting is offered to, by posting: lines in
    /// review for several single-posting candidates (passes 2 and 3), each
    /// of which a chain of moves may settle.
    fn holders(&self) -> FxHashMap<usize, Vec<usize>> {
        let mut holders: FxHashMap<usize, Vec<usize>> = FxHashMap::default();
        for (r, ((_, review), parts)) in self.review.iter().zip(&self.review_parts).enumerate() {
            if review.reason == ReviewReason::SeveralCandidates && parts.iter().all(|c| c.len() == 1) {
                for &j in parts.iter().flatten() {
                    holders.entry(j).or_default().push(r);
                }
            }
        }
        holders
    }

    /// Finds line `i` a posting (an augmenting path): a free candidate, one
    /// an exact match holds whose line can be seated elsewhere, or one a
    /// line in review holds whose only other candidate it can then take. A
    /// line matched with its payee (`payee_bound`) only takes a posting
    /// whose payee agrees. On success `path` holds the moves, deepest first.
    fn seat(
        &self,
        i: usize,
        payee_bound: bool,
        seats: &Seats,
        seen: &mut rustc_hash::FxHashSet<usize>,
        path: &mut Vec<(usize, usize)>,
    ) -> bool {
        let mut candidates: Vec<usize> = self
            .same_amount(i)
            .filter(|&j| !payee_bound || similar(&self.line_words[i], &self.posting_words[j]))
            .collect();
        candidates.sort_by_key(|&j| (self.posting_state[j] != PostingState::Free, self.days(i, j), j));
        for j in candidates {
            if !seen.insert(j) {
                continue;
            }
            if self.free_for(i, j, seats, seen, path) {
                path.push((i, j));
                return true;
            }
        }
        false
    }

    /// True when line `i` can take posting `j`: it is free, or whoever has
    /// it can move (see [`Matcher::seat`]), the moves added to `path`.
    fn free_for(
        &self,
        i: usize,
        j: usize,
        seats: &Seats,
        seen: &mut rustc_hash::FxHashSet<usize>,
        path: &mut Vec<(usize, usize)>,
    ) -> bool {
        match self.posting_state[j] {
            PostingState::Free => true,
            PostingState::Used => seats.owner.get(&j).is_some_and(|&k| {
                let (other, pair) = &self.matched[k];
                self.seat(*other, pair.pass == MatchPass::AmountDatePayee, seats, seen, path)
            }),
            PostingState::Held => {
                // One line in review holds it, with exactly one other
                // candidate: taking this one leaves that line no choice.
                let Some([r]) = seats.holders.get(&j).map(Vec::as_slice) else {
                    return false;
                };
                let other_line = self.review[*r].0;
                let rest: Vec<usize> = self.review_parts[*r]
                    .iter()
                    .flatten()
                    .copied()
                    .filter(|&c| c != j)
                    .collect();
                let [only] = rest.as_slice() else { return false };
                if other_line == i || !seen.insert(*only) {
                    return false;
                }
                let own = seats.holders.get(only).is_some_and(|h| h.as_slice() == [*r]);
                let ok = if self.posting_state[*only] == PostingState::Held {
                    own
                } else {
                    self.free_for(other_line, *only, seats, seen, path)
                };
                if ok {
                    path.push((other_line, *only));
                }
                ok
            }
        }
    }

    /// After pass 4: a free line whose only same-amount candidates are held
    /// by lines in review joins the review with them (which line the books
    /// miss cannot be told).
    fn join_review(&mut self) {
        for i in 0..self.lines.len() {
            if self.line_state[i] != LineState::Free {
                continue;
            }
            let held: Vec<Vec<usize>> = self
                .same_amount(i)
                .filter(|&j| self.posting_state[j] == PostingState::Held)
                .map(|j| vec![j])
                .collect();
            if !held.is_empty() {
                let reason = if self.round(i) {
                    ReviewReason::RoundAmount
                } else {
                    ReviewReason::SeveralCandidates
                };
                self.hold_for_review(i, reason, &held);
            }
        }
    }

    /// Pass 4: one line to several postings summing exactly.
    fn aggregate(&mut self) {
        let mut found: Vec<(usize, Vec<Vec<usize>>)> = Vec::new();
        for i in 0..self.lines.len() {
            if self.line_state[i] != LineState::Free {
                continue;
            }
            let target = self.lines[i].amount.amount();
            let mut near: Vec<usize> = self
                .window(self.lines[i].date)
                .filter(|&j| {
                    let a = self.postings[j].amount;
                    self.posting_state[j] == PostingState::Free
                        && a.is_sign_negative() == target.is_sign_negative()
                        && !a.is_zero()
                        && a.abs() < target.abs()
                })
                .collect();
            near.sort_by_key(|&j| (self.days(i, j), j));
            near.truncate(self.settings.max_aggregate_candidates);
            let mut sized: Vec<(usize, Decimal)> = near.iter().map(|&j| (j, self.postings[j].amount.abs())).collect();
            sized.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
            let mut solutions = Vec::new();
            let mut budget = SEARCH_BUDGET;
            let mut search = Search {
                items: &sized,
                max_parts: self.settings.max_parts,
                chosen: Vec::new(),
                out: &mut solutions,
                budget: &mut budget,
            };
            search.run(0, target.abs());
            if !solutions.is_empty() {
                found.push((i, solutions));
            }
        }
        let mut claims: FxHashMap<usize, usize> = FxHashMap::default();
        for (_, solutions) in &found {
            let mut mine: Vec<usize> = solutions.iter().flatten().copied().collect();
            mine.sort_unstable();
            mine.dedup();
            for j in mine {
                *claims.entry(j).or_default() += 1;
            }
        }
        for (i, solutions) in found {
            let contested = solutions
                .iter()
                .flatten()
                .any(|j| claims.get(j).copied().unwrap_or(0) > 1);
            match solutions.as_slice() {
                [only] if !contested && !self.round(i) => self.pair(i, only, MatchPass::Aggregate),
                _ if self.round(i) => self.hold_for_review(i, ReviewReason::RoundAmount, &solutions),
                _ => self.hold_for_review(i, ReviewReason::SeveralCandidates, &solutions),
            }
        }
    }

    /// The fix for free line `i`.
    fn fix(&self, i: usize) -> SuggestedFix {
        if self.fixed_at_source[i] {
            return SuggestedFix::AwaitingSource;
        }
        let line = self.lines[i];
        let amount = line.amount.amount();
        let near_miss = self
            .window(line.date)
            .filter(|&j| {
                let p = self.postings[j];
                self.posting_state[j] == PostingState::Free
                    && p.amount.is_sign_negative() == amount.is_sign_negative()
                    && similar(&self.line_words[i], &self.posting_words[j])
            })
            .min_by_key(|&j| (self.days(i, j), j));
        match near_miss {
            Some(j) => SuggestedFix::CorrectAmount {
                posting: self.postings[j].posting.clone(),
                recorded: self.postings[j].amount,
                bank: amount,
            },
            None => SuggestedFix::record(amount, line.date, &line.name),
        }
    }

    /// The account's result.
    fn finish(mut self, input: AccountInput<'_>, pending: Vec<&BankTransaction>) -> AccountMatch {
        let window = chrono::Duration::days(self.settings.window_days);
        let findings_from = input.books_from.map(|from| from + window);
        let reported = |date: NaiveDate| findings_from.is_none_or(|from| date >= from);
        let mut unrecorded = Vec::new();
        let mut unexplained_lines = Vec::new();
        let mut excluded = Vec::new();
        for (i, line) in self.lines.iter().enumerate() {
            let state = self.line_state[i];
            if state == LineState::Matched {
                continue;
            }
            unexplained_lines.push(ExplainedItem {
                item: Explained::Line(line.meta.external_id.clone()),
                date: line.date,
                amount: line.amount.amount(),
            });
            match state {
                LineState::Free if reported(line.date) => unrecorded.push(UnrecordedLine {
                    line: line.meta.external_id.clone(),
                    date: line.date,
                    amount: line.amount.amount(),
                    name: line.name.clone(),
                    fix: self.fix(i),
                }),
                LineState::Excluded => excluded.push(line.meta.external_id.clone()),
                LineState::Free | LineState::Matched | LineState::Review => {}
            }
        }
        let mut uncleared = Vec::new();
        let mut unexplained_postings = Vec::new();
        for (j, p) in self.postings.iter().enumerate() {
            if self.posting_state[j] == PostingState::Used {
                continue;
            }
            unexplained_postings.push(ExplainedItem {
                item: Explained::Posting(p.posting.clone()),
                date: p.date,
                amount: p.amount,
            });
            if self.posting_state[j] == PostingState::Free && reported(p.date) {
                let days_outstanding = (input.as_of - p.date).num_days();
                uncleared.push(UnclearedPosting {
                    posting: p.posting.clone(),
                    date: p.date,
                    amount: p.amount,
                    days_outstanding,
                    overdue: days_outstanding > self.settings.clearing_days,
                });
            }
        }
        self.matched.sort_by_key(|(i, _)| *i);
        self.review.sort_by_key(|(i, _)| *i);
        let account = input.account;
        let bank = account
            .current
            .map(|c| match CashAccountKind::of(account.account_type) {
                Some(kind) => kind.as_cash(c.amount()),
                None => c.amount(),
            });
        let currency = input
            .ledger_balance
            .map(|b| b.currency())
            .or(account.current.map(|c| c.currency()))
            .or(self.lines.first().map(|l| l.amount.currency()))
            .unwrap_or(Currency::USD);
        AccountMatch {
            bank_account: input.link.bank_account.clone(),
            ledger_account: input.link.ledger_account.clone(),
            currency,
            matched: self.matched.into_iter().map(|(_, m)| m).collect(),
            review: self.review.into_iter().map(|(_, r)| r).collect(),
            unrecorded,
            uncleared,
            pending: pending
                .into_iter()
                .map(|l| PendingLine {
                    line: l.meta.external_id.clone(),
                    date: l.date,
                    amount: l.amount.amount(),
                    name: l.name.clone(),
                })
                .collect(),
            excluded,
            findings_from,
            explanation: BalanceExplanation::new(
                input.ledger_balance.map(|b| b.amount()),
                bank,
                unexplained_lines,
                unexplained_postings,
                self.differences,
            ),
        }
    }
}

/// A bounded search for sets of postings summing to a target.
struct Search<'s> {
    /// Candidates `(posting, size)`, largest first.
    items: &'s [(usize, Decimal)],
    max_parts: usize,
    chosen: Vec<usize>,
    /// Solutions found: two are enough to know the line is ambiguous.
    out: &'s mut Vec<Vec<usize>>,
    budget: &'s mut u32,
}

impl Search<'_> {
    /// Extends `chosen` from `items[from..]` towards `remaining`.
    fn run(&mut self, from: usize, remaining: Decimal) {
        if remaining.is_zero() {
            if self.chosen.len() >= 2 {
                self.out.push(self.chosen.clone());
            }
            return;
        }
        if self.chosen.len() >= self.max_parts {
            return;
        }
        for k in from..self.items.len() {
            if self.out.len() >= 2 || *self.budget == 0 {
                return;
            }
            *self.budget -= 1;
            let Some(&(j, size)) = self.items.get(k) else {
                return;
            };
            if size > remaining {
                continue;
            }
            self.chosen.push(j);
            self.run(k + 1, remaining - size);
            self.chosen.pop();
        }
    }
}
