//! `rowcol scenario`: one client's forecast and runway, base and under a
//! scenario, side by side.

use chrono::{NaiveDate, Utc};
use comfy_table::Table;
use rowcol_core::snapshot::SnapshotRequest;
use rowcol_core::{AdvisorId, ClientId, Currency, ExternalId, Money};
use rowcol_report::money_text;
use rowcol_runway::calc::runway::{Runway, RunwayState};
use rowcol_runway::scenario::{Adjustment, FinancingKind, Scenario, ScenarioComparison, compare};
use rust_decimal::Decimal;

use crate::cli::ViewFormat;
use crate::config::Config;
use crate::error::{CliError, CliResult};
use crate::output;
use crate::setup::{self, parse_id};

/// The scenario as given on the command line.
pub struct Asked<'a> {
    /// `(vendor, days)` pairs.
    pub delay_vendor: &'a [(String, i64)],
    /// `(monthly cost, from)` pairs.
    pub hire: &'a [(Decimal, NaiveDate)],
    /// An equity raise.
    pub equity: Option<&'a (Decimal, NaiveDate)>,
    /// A loan.
    pub loan: Option<&'a (Decimal, NaiveDate)>,
    /// `(customer, days)` pairs.
    pub customer_late: &'a [(String, i64)],
}

impl Asked<'_> {
    /// The scenario, amounts in `home`.
    fn scenario(&self, home: Currency) -> CliResult<Scenario> {
        let party = |id: &str| {
            id.parse::<ExternalId>()
                .map_err(|e| CliError::Usage(format!("{id:?} is not an id: {e}")))
        };
        let mut adjustments = Vec::new();
        for (vendor, days) in self.delay_vendor {
            adjustments.push(Adjustment::DelayVendor {
                vendor: party(vendor)?,
                days: *days,
            });
        }
        for (customer, days) in self.customer_late {
            adjustments.push(Adjustment::CustomerLate {
                customer: party(customer)?,
                days: *days,
            });
        }
        for (cost, from) in self.hire {
            adjustments.push(Adjustment::NewHire {
                monthly_cost: Money::new(*cost, home),
                from: *from,
            });
        }
        for (raised, financing) in [(self.equity, FinancingKind::Equity), (self.loan, FinancingKind::Loan)] {
            if let Some((amount, on)) = raised {
                adjustments.push(Adjustment::Financing {
                    amount: Money::new(*amount, home),
                    on: *on,
                    financing,
                });
            }
        }
        Ok(Scenario { adjustments })
    }
}

/// Prints `client`'s forecast and runway as of today, base and under the
/// scenario asked.
pub async fn run(config: &Config, client: &str, asked: &Asked<'_>, format: ViewFormat) -> CliResult {
    let mirror = setup::mirror(config).await?;
    let advisor: AdvisorId = parse_id(&config.advisor)?;
    let client: ClientId = parse_id(client)?;
    let today = Utc::now().date_naive();
    let snapshot = mirror
        .snapshot(&advisor, &client, SnapshotRequest::as_of(today))
        .await?;
    let scenario = asked.scenario(snapshot.home_currency)?;
    let comparison = compare(&snapshot, today, &scenario).map_err(|e| CliError::Usage(e.to_string()))?;
    match format {
        ViewFormat::Json => output::emit(&output::json(&comparison)?, None),
        ViewFormat::Table => {
            println!("{}", table(&comparison));
            for line in summary(&comparison) {
                println!("{line}");
            }
            println!("{}", comparison.definition);
            Ok(())
        }
    }
}

fn table(c: &ScenarioComparison) -> Table {
    let mut table = Table::new();
    table.set_header(["week", "from", "to", "base closing", "scenario closing", "difference"]);
    for w in &c.weeks {
        table.add_row([
            w.week.to_string(),
            w.start.to_string(),
            w.end.to_string(),
            money_text(&w.base_closing),
            money_text(&w.scenario_closing),
            money_text(&w.difference),
        ]);
    }
    table
}

fn runway_text(r: &Runway) -> String {
    match &r.state {
        RunwayState::Months { months, weeks } => format!("{months} months ({weeks} weeks)"),
        RunwayState::NotBurning => "not burning".to_owned(),
        RunwayState::InsufficientData { reason } => format!("unknown: {reason}"),
    }
}

fn week_text(w: Option<u32>) -> String {
    w.map_or_else(|| "none".to_owned(), |w| format!("week {w}"))
}

/// Runway and the guardrail both ways, one line each, then which balances
/// the cash came from and how old they are.
fn summary(c: &ScenarioComparison) -> [String; 3] {
    [
        format!(
            "runway: base {}, scenario {}",
            runway_text(&c.base.runway),
            runway_text(&c.scenario.runway)
        ),
        format!(
            "first week under the guardrail: base {}, scenario {}",
            week_text(c.base.forecast.first_week_below_guardrail),
            week_text(c.scenario.forecast.first_week_below_guardrail)
        ),
        c.base.runway.balances.describe(),
    ]
}
