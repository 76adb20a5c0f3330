//! Books against the bank for 100 clients, a year each (about 250k bank
//! lines), built in memory (target: under 2 s).

#![allow(missing_docs)] // criterion_group! generates an undocumented public function.

use std::hint::black_box;

use chrono::NaiveDate;
use criterion::{Criterion, criterion_group, criterion_main};
use rayon::prelude::*;
use rowcol_core::entity::{BankAccount, BankTransaction};
use rowcol_core::{EntityKind, ExternalId};
use rowcol_runway::bank_match::{
    AccountLink, Bank, BookPosting, Books, LedgerBalance, MatchSettings, PostingRef, match_bank,
};
use rowcol_testkit::fixtures::{bank_feed_account, bank_transaction, date, id, usd};
use rust_decimal::Decimal;

/// Bank lines per client-year.
const LINES: u64 = 2_500;

/// One client's bank and books.
struct Client {
    accounts: Vec<BankAccount>,
    lines: Vec<BankTransaction>,
    books: Books,
    links: Vec<AccountLink>,
}

/// A client's year: postings, 95% of them on the bank 0-3 days later, a
/// bank fee a month the books miss, and a weekly deposit of three payments.
fn client(n: u64) -> Client {
    let mut state = n.wrapping_mul(2862933555777941757).wrapping_add(3037000493);
    let mut next = move |m: u64| {
        state = state
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (state >> 33) % m
    };
    let start = date("2026-01-01");
    let day = |d: u64| start + chrono::Duration::days(d as i64);
    let name = format!("c{n}");
    let payees = [
        "Paper Co", "Shell", "Adobe", "Uber", "Staples", "Amazon", "Comcast", "Gusto",
    ];
    let mut lines = Vec::new();
    let mut postings = Vec::new();
    let mut posting = |doc: String, kind: EntityKind, on: NaiveDate, amount: Decimal, payee: &str| {
        postings.push(BookPosting {
            posting: PostingRef {
                kind,
                document: id(&doc),
            },
            account: id("35"),
            date: on,
            amount,
            payee: Some(payee.to_owned()),
        });
    };
    let mut k = 0;
    while (lines.len() as u64) < LINES {
        k += 1;
        let booked = next(365);
        let payee = payees[next(payees.len() as u64) as usize];
        let amount = -(Decimal::from(1 + next(900)) + Decimal::new(1 + next(99) as i64, 2));
        posting(format!("p{k}"), EntityKind::Purchase, day(booked), amount, payee);
        if next(20) == 0 {
            continue;
        }
        let mut l = bank_transaction(&name, &format!("l{k}"), "b1", amount);
        l.date = day(booked + next(4)).min(day(364));
        l.name = format!("POS DEBIT {} #{}", payee.to_uppercase(), next(9999));
        lines.push(l);
        if k % 200 == 0 {
            let mut fee = bank_transaction(&name, &format!("fee{k}"), "b1", Decimal::new(-1500, 2));
            fee.date = day(booked);
            fee.name = "MONTHLY SERVICE FEE".to_owned();
            lines.push(fee);
        }
        if k % 50 == 0 {
            let parts = [0, 1, 2].map(|_| Decimal::from(50 + next(2000)) + Decimal::new(1 + next(99) as i64, 2));
            for (p, a) in parts.iter().enumerate() {
                posting(format!("pay{k}-{p}"), EntityKind::Payment, day(booked), *a, "Customer");
            }
            let mut dep = bank_transaction(&name, &format!("dep{k}"), "b1", parts.iter().sum());
            dep.date = day(booked + 1).min(day(364));
            dep.name = "REMOTE DEPOSIT".to_owned();
            lines.push(dep);
        }
    }
    Client {
        accounts: vec![bank_feed_account(&name, "b1", Decimal::ZERO)],
        lines,
        books: Books {
            postings,
            balances: vec![LedgerBalance {
                account: id("35"),
                balance: usd(Decimal::ZERO),
            }],
            from: None,
        },
        links: vec![AccountLink {
            bank_account: id::<ExternalId>("b1"),
            ledger_account: id("35"),
        }],
    }
}

fn bench_bank_match(c: &mut Criterion) {
    let clients: Vec<Client> = (0..100).map(client).collect();
    let lines: usize = clients.iter().map(|c| c.lines.len()).sum();
    let settings = MatchSettings::default();
    let as_of = date("2026-12-31");
    let run = || {
        clients
            .par_iter()
            .map(|c| {
                let bank = Bank {
                    accounts: &c.accounts,
                    lines: &c.lines,
                };
                let result = match_bank(&c.books, bank, &c.links, &[], &settings, as_of);
                result.accounts.iter().map(|a| a.matched.len()).sum::<usize>()
            })
            .sum::<usize>()
    };
    let matched = run();
    println!("{lines} bank lines, {matched} matched");
    let mut group = c.benchmark_group(format!("bank_match/100_clients_{lines}_lines"));
    group.sample_size(10);
    group.bench_function("in_memory", |b| b.iter(|| black_box(run())));
    group.finish();
}

criterion_group!(benches, bench_bank_match);
criterion_main!(benches);
