//! Reading QBO's common fields: ids, `SyncToken`, `MetaData` times, references,
//! money (exactly, from the number's text), currencies, dates, lines and links.

use std::str::FromStr;

use chrono::{DateTime, FixedOffset, NaiveDate};
use rowcol_core::entity::{Line, LineDetail, Posting, Reference, SourceMeta, TxnCommon, TxnLink};
use rowcol_core::{ClientId, Currency, ExternalId, Money, Rail, VersionToken};
use rust_decimal::Decimal;
use serde_json::Value;

use super::kind_from_txn_type;

/// Why a record could not be mapped (names the field).
pub(crate) type Reason = String;

/// What mapping needs besides the row: whose books, and the home currency
/// for rows that carry no `CurrencyRef`.
#[derive(Debug, Clone, Copy)]
pub(crate) struct MapCtx<'a> {
    pub client: &'a ClientId,
    pub home: Option<Currency>,
}

/// A QBO object being read.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Row<'a>(pub &'a Value);

/// An exact decimal from a JSON number's text (or a numeric string); never f64.
fn decimal(value: &Value) -> Option<Decimal> {
    let text = match value {
        Value::Number(n) => n.to_string(),
        Value::String(s) => s.trim().to_owned(),
        _ => return None,
    };
    Decimal::from_str(&text)
        .or_else(|_| Decimal::from_scientific(&text))
        .ok()
}

impl<'a> Row<'a> {
    pub(crate) fn get(&self, key: &str) -> Option<&'a Value> {
        self.0.get(key).filter(|v| !v.is_null())
    }

    pub(crate) fn path(&self, keys: &[&str]) -> Option<&'a Value> {
        keys.iter().try_fold(self.0, |v, k| v.get(*k)).filter(|v| !v.is_null())
    }

    pub(crate) fn text(&self, key: &str) -> Option<String> {
        self.get(key).and_then(Value::as_str).map(str::to_owned)
    }

    pub(crate) fn required_text(&self, key: &str) -> Result<String, Reason> {
        self.text(key).ok_or_else(|| format!("{key} is missing or not text"))
    }

    pub(crate) fn flag(&self, key: &str, default: bool) -> Result<bool, Reason> {
        match self.get(key) {
            None => Ok(default),
            Some(Value::Bool(b)) => Ok(*b),
            Some(Value::String(s)) if s.eq_ignore_ascii_case("true") => Ok(true),
            Some(Value::String(s)) if s.eq_ignore_ascii_case("false") => Ok(false),
            Some(_) => Err(format!("{key} is not a boolean")),
        }
    }

    pub(crate) fn amount(&self, key: &str) -> Result<Option<Decimal>, Reason> {
        self.get(key)
            .map(|v| decimal(v).ok_or_else(|| format!("{key} is not a number")))
            .transpose()
    }

    /// `key` as money; absent counts as zero (QBO omits zero balances).
    pub(crate) fn money_or_zero(&self, key: &str, currency: Currency) -> Result<Money, Reason> {
        Ok(Money::new(self.amount(key)?.unwrap_or(Decimal::ZERO), currency))
    }

    pub(crate) fn whole(&self, key: &str) -> Result<Option<u32>, Reason> {
        match self.amount(key)? {
            None => Ok(None),
            Some(d) if d.fract().is_zero() => u32::try_from(d.mantissa() / 10i128.pow(d.scale()))
                .map(Some)
                .map_err(|_| format!("{key} is out of range")),
            Some(_) => Err(format!("{key} is not a whole number")),
        }
    }

    pub(crate) fn date(&self, key: &str) -> Result<Option<NaiveDate>, Reason> {
        self.text(key)
            .map(|s| NaiveDate::parse_from_str(&s, "%Y-%m-%d").map_err(|_| format!("{key} is not a date: {s:?}")))
            .transpose()
    }

    pub(crate) fn id(&self) -> Result<ExternalId, Reason> {
        let id = self.required_text("Id")?;
        id.parse().map_err(|_| format!("Id {id:?} is not a valid id"))
    }

    /// `{"value": "56", "name": "Acme"}` under `key`.
    pub(crate) fn reference(&self, key: &str) -> Result<Option<Reference>, Reason> {
        reference(self.get(key), key)
    }

    pub(crate) fn currency(&self, ctx: &MapCtx<'_>) -> Result<Currency, Reason> {
        match self.path(&["CurrencyRef", "value"]).and_then(Value::as_str) {
            Some(code) => Currency::from_str(code).map_err(|_| format!("CurrencyRef {code:?} is not a currency")),
            None => ctx
                .home
                .ok_or_else(|| "CurrencyRef is missing and the company's home currency is unknown".to_owned()),
        }
    }

    pub(crate) fn meta(&self, ctx: &MapCtx<'_>) -> Result<SourceMeta, Reason> {
        let updated = time(self.path(&["MetaData", "LastUpdatedTime"]), "MetaData.LastUpdatedTime")?;
        let created = match self.path(&["MetaData", "CreateTime"]) {
            Some(v) => time(Some(v), "MetaData.CreateTime")?,
            None => updated,
        };
        Ok(SourceMeta {
            client: ctx.client.clone(),
            rail: Rail::Qbo,
            external_id: self.id()?,
            version: VersionToken::new(self.text("SyncToken").unwrap_or_else(|| "0".to_owned())),
            created_at: created,
            updated_at: updated,
            deleted: false,
        })
    }

    /// Date, total, rate, number, note and lines of a transaction, with its currency.
    pub(crate) fn txn(&self, ctx: &MapCtx<'_>) -> Result<(TxnCommon, Currency), Reason> {
        self.txn_totalled(ctx, "TotalAmt")
    }

    /// Like [`Row::txn`], with the total read from `total_key` (`Amount` on
    /// transfers and card payments, `PaymentAmount` on tax payments).
    pub(crate) fn txn_totalled(&self, ctx: &MapCtx<'_>, total_key: &str) -> Result<(TxnCommon, Currency), Reason> {
        self.txn_with_total(ctx, Some(total_key))
    }

    /// The common fields with the total read from `total_key`, or zero when
    /// `None` (for the caller to compute, as journal entries do).
    pub(crate) fn txn_with_total(
        &self,
        ctx: &MapCtx<'_>,
        total_key: Option<&str>,
    ) -> Result<(TxnCommon, Currency), Reason> {
        let currency = self.currency(ctx)?;
        let total = match total_key {
            Some(key) => self.amount(key)?.ok_or_else(|| format!("{key} is missing"))?,
            None => Decimal::ZERO,
        };
        let txn = TxnCommon {
            txn_date: self.date("TxnDate")?.ok_or("TxnDate is missing")?,
            total: Money::new(total, currency),
            exchange_rate: self.amount("ExchangeRate")?,
            doc_number: self.text("DocNumber"),
            private_note: self.text("PrivateNote"),
            lines: self.lines(currency)?,
        };
        Ok((txn, currency))
    }

    fn line_items(&self) -> &'a [Value] {
        self.get("Line")
            .and_then(Value::as_array)
            .map(Vec::as_slice)
            .unwrap_or_default()
    }

    /// Lines with an amount; subtotal lines are skipped (they repeat the
    /// others) and group lines are opened up into the lines they bundle.
    fn lines(&self, currency: Currency) -> Result<Vec<Line>, Reason> {
        let mut lines = Vec::new();
        push_lines(self.line_items(), currency, &mut lines)?;
        Ok(lines)
    }

    /// The document's own `LinkedTxn` list (payments applied to a bill or invoice).
    pub(crate) fn links(&self) -> Result<Vec<TxnLink>, Reason> {
        links(self.get("LinkedTxn"), None)
    }

    /// Links carried by lines (a payment's lines each pay some documents),
    /// with the line amount.
    pub(crate) fn line_links(&self, currency: Currency) -> Result<Vec<TxnLink>, Reason> {
        let mut out = Vec::new();
        for item in self.line_items() {
            let line = Row(item);
            let amount = line.amount("Amount")?.map(|a| Money::new(a, currency));
            out.extend(links(line.get("LinkedTxn"), amount)?);
        }
        Ok(out)
    }
}

/// Maps `items` onto `out`, opening `GroupLineDetail` lines (QBO bundles:
/// the group's own amount repeats its lines) into their lines.
fn push_lines(items: &[Value], currency: Currency, out: &mut Vec<Line>) -> Result<(), Reason> {
    for item in items {
        let line = Row(item);
        let detail = line.text("DetailType");
        match detail.as_deref() {
            Some("SubTotalLineDetail") => continue,
            Some("GroupLineDetail") => {
                let inner = line
                    .path(&["GroupLineDetail", "Line"])
                    .and_then(Value::as_array)
                    .map(Vec::as_slice)
                    .unwrap_or_default();
                push_lines(inner, currency, out)?;
                continue;
            }
            _ => {}
        }
        let Some(amount) = line.amount("Amount")? else {
            continue;
        };
        // The account sits inside the detail object the DetailType names,
        // under a name that depends on the type.
        let account_key = match detail.as_deref() {
            Some("SalesItemLineDetail") => "ItemAccountRef",
            Some("DiscountLineDetail") => "DiscountAccountRef",
            _ => "AccountRef",
        };
        let account = match &detail {
            Some(detail) => reference(line.path(&[detail.as_str(), account_key]), "Line.AccountRef")?,
            None => None,
        };
        let item = match detail.as_deref() {
            Some(d @ ("SalesItemLineDetail" | "ItemBasedExpenseLineDetail")) => {
                reference(line.path(&[d, "ItemRef"]), "Line.ItemRef")?
            }
            _ => None,
        };
        let (posting, party) = match detail.as_deref() {
            Some("JournalEntryLineDetail") => journal_side(line)?,
            _ => (None, None),
        };
        out.push(Line {
            amount: Money::new(amount, currency),
            account,
            description: line.text("Description"),
            posting,
            party,
            detail: detail.as_deref().map(line_detail),
            item,
        });
    }
    Ok(())
}

/// The rail-neutral name of a QBO `DetailType`.
fn line_detail(detail_type: &str) -> LineDetail {
    match detail_type {
        "SalesItemLineDetail" => LineDetail::SalesItem,
        "DiscountLineDetail" => LineDetail::Discount,
        "AccountBasedExpenseLineDetail" => LineDetail::AccountExpense,
        "ItemBasedExpenseLineDetail" => LineDetail::ItemExpense,
        "DepositLineDetail" => LineDetail::Deposit,
        "JournalEntryLineDetail" => LineDetail::Journal,
        _ => LineDetail::Other,
    }
}

/// A journal line's side (`PostingType`, required) and the customer or
/// vendor it names (`Entity.EntityRef`).
fn journal_side(line: Row<'_>) -> Result<(Option<Posting>, Option<Reference>), Reason> {
    let detail = Row(line.get("JournalEntryLineDetail").unwrap_or(&Value::Null));
    let posting = match detail.text("PostingType").as_deref() {
        Some("Debit") => Posting::Debit,
        Some("Credit") => Posting::Credit,
        Some(other) => return Err(format!("JournalEntryLineDetail.PostingType {other:?} is unknown")),
        None => return Err("JournalEntryLineDetail.PostingType is missing".to_owned()),
    };
    let party = reference(
        detail.path(&["Entity", "EntityRef"]),
        "JournalEntryLineDetail.Entity.EntityRef",
    )?;
    Ok((Some(posting), party))
}

fn reference(value: Option<&Value>, key: &str) -> Result<Option<Reference>, Reason> {
    let Some(value) = value else { return Ok(None) };
    let id = match value.get("value") {
        Some(Value::String(s)) => s.clone(),
        Some(Value::Number(n)) => n.to_string(),
        _ => return Err(format!("{key}.value is missing")),
    };
    Ok(Some(Reference {
        id: id
            .parse()
            .map_err(|_| format!("{key}.value {id:?} is not a valid id"))?,
        name: value.get("name").and_then(Value::as_str).map(str::to_owned),
    }))
}

/// `LinkedTxn` entries of a kind RowCol mirrors; others (credit memos,
/// estimates, ...) stay only in the raw payload.
fn links(value: Option<&Value>, amount: Option<Money>) -> Result<Vec<TxnLink>, Reason> {
    let Some(items) = value.and_then(Value::as_array) else {
        return Ok(Vec::new());
    };
    let mut out = Vec::new();
    for item in items {
        let link = Row(item);
        let Some(kind) = link.text("TxnType").as_deref().and_then(kind_from_txn_type) else {
            continue;
        };
        let id = link.required_text("TxnId").map_err(|r| format!("LinkedTxn: {r}"))?;
        out.push(TxnLink {
            kind,
            id: id
                .parse()
                .map_err(|_| format!("LinkedTxn.TxnId {id:?} is not a valid id"))?,
            amount,
        });
    }
    Ok(out)
}

/// A QBO time with its offset (`2026-03-04T10:15:00-08:00`).
pub(crate) fn time(value: Option<&Value>, key: &str) -> Result<DateTime<FixedOffset>, Reason> {
    let text = value
        .and_then(Value::as_str)
        .ok_or_else(|| format!("{key} is missing"))?;
    DateTime::parse_from_rfc3339(text).map_err(|_| format!("{key} is not a time with offset: {text:?}"))
}
