"""Tidy pandas DataFrames of results (called by each result's ``to_pandas``).

Only reshaping and dtypes: every figure comes from the result's
``to_dict()``, where money is already rounded half away from zero to its
currency's minor unit (by ``rowcol_core::Money::round_to_minor_units``).
Every frame has the columns :data:`COLUMNS` lists for its kind, in that
order, with these dtypes:

- money: ``float64`` by default (``money="float"``), for pandas' numeric
  tools; exact ``decimal.Decimal`` with ``money="decimal"`` (object dtype);
  ``decimal128`` Arrow with ``money="arrow"`` (needs pyarrow). Each frame
  carries a ``currency`` column.
- other figures held as ``Decimal`` in Rust (runway months, DSO days):
  ``float64``, or ``Decimal`` with ``money="decimal"``.
- dates: ``datetime64``; times: ``datetime64`` in UTC.
- a ``client`` column first, in every frame.
"""

from __future__ import annotations

import html as _html
from decimal import Decimal
from typing import Any, Callable, Dict, List, Optional, Sequence, Tuple


def _pandas() -> Any:
    try:
        import pandas
    except ImportError as err:  # pragma: no cover - exercised by a test with pandas hidden
        raise ImportError(
            "to_pandas() needs pandas: pip install pandas (or pip install 'rowcol[pandas]')"
        ) from err
    return pandas


def _amount(money: Optional[Dict[str, Any]]) -> Any:
    return None if money is None else money["amount"]


def _runway_row(r: Dict[str, Any]) -> Dict[str, Any]:
    state = r["state"]
    return {
        "runway_state": state["state"],
        "runway_months": state.get("months"),
        "runway_weeks": state.get("weeks"),
        "net_burn_monthly": _amount(r["net_burn_monthly"]),
    }


def _digest(d: Dict[str, Any]) -> List[Dict[str, Any]]:
    rows = []
    for c in d["clients"]:
        g = c["guardrail"]["value"]
        counts = c["hygiene"]["value"]["counts"]
        dec = c["decisions"]["value"]
        rows.append(
            {
                "client": c["client"],
                "name": c["name"],
                "urgency": c["urgency"],
                "urgency_reasons": "; ".join(c["urgency_reasons"]),
                "stale": c["stale"],
                "cash": _amount(c["cash"]["value"]),
                **_runway_row(c["runway"]["value"]),
                "guardrail": _amount(g["amount"]),
                "guardrail_breached_now": g["breached_now"],
                "guardrail_first_week_below": g["first_week_below"],
                "findings_error": counts["error"],
                "findings_warning": counts["warning"],
                "findings_info": counts["info"],
                "pay_now": dec["pay_now"],
                "pay_now_total": _amount(dec["pay_now_total"]),
                "at_risk": dec["at_risk"],
                "at_risk_total": _amount(dec["at_risk_total"]),
                "to_chase": dec["to_chase"],
                "currency": c["home_currency"],
            }
        )
    return rows


def _tray(t: Dict[str, Any]) -> List[Dict[str, Any]]:
    rows = []
    for f in t["findings"]:
        subject = f["entities"][0] if f["entities"] else {"kind": None, "id": None}
        rows.append(
            {
                "client": t["client"],
                "rule_id": f["rule_id"],
                "severity": f["severity"],
                "kind": subject["kind"],
                "external_id": subject["id"],
                "amount": _amount(f["amount"]),
                "currency": None if f["amount"] is None else f["amount"]["currency"],
                "explanation": f["explanation"],
                "suggested_fix": f["suggested_fix"],
            }
        )
    return rows


def _console(c: Dict[str, Any]) -> List[Dict[str, Any]]:
    rows = []
    for group in ("at_risk", "pay_now", "can_wait"):
        for b in c[group]:
            rows.append(
                {
                    "client": c["client"],
                    "decision": b["decision"],
                    "external_id": b["bill"]["id"],
                    "vendor": b["vendor"],
                    "tier": b["tier"],
                    "amount": b["amount"]["amount"],
                    "currency": b["amount"]["currency"],
                    "due_date": b["due_date"],
                    "send_by": b["send_by"],
                    "days_overdue": b["days_overdue"],
                    "late_fee_risk": b["late_fee_risk"],
                    "runway_effect_months": b["runway_effect_months"],
                }
            )
    return rows


def _forecast(f: Dict[str, Any]) -> List[Dict[str, Any]]:
    guardrail = _amount(f.get("guardrail"))
    return [
        {
            "week": w["week"],
            "start": w["start"],
            "end": w["end"],
            "opening": w["opening"]["amount"],
            "inflows": w["inflows"]["amount"],
            "bill_outflows": w["bill_outflows"]["amount"],
            "recurring_outflows": w["recurring_outflows"]["amount"],
            "closing": w["closing"]["amount"],
            "guardrail": guardrail,
            "currency": w["closing"]["currency"],
        }
        for w in f["weeks"]
    ]


def _scenario(c: Dict[str, Any]) -> List[Dict[str, Any]]:
    return [
        {
            "week": w["week"],
            "start": w["start"],
            "end": w["end"],
            "base_closing": w["base_closing"]["amount"],
            "scenario_closing": w["scenario_closing"]["amount"],
            "difference": w["difference"]["amount"],
            "currency": w["difference"]["currency"],
        }
        for w in c["weeks"]
    ]


def _aging(a: Dict[str, Any]) -> List[Dict[str, Any]]:
    return [
        {
            "as_of": a["as_of"],
            "side": a["side"].lower(),
            "bucket": b["bucket"],
            "amount": b["amount"]["amount"],
            "count": b["count"],
            "currency": b["amount"]["currency"],
        }
        for b in a["buckets"]
    ]


def _runway(r: Dict[str, Any]) -> List[Dict[str, Any]]:
    return [{**_runway_row(r), "cash": _amount(r["cash"]), "currency": r["cash"]["currency"]}]


def _unconverted(cash: Dict[str, Any]) -> str:
    return ",".join(cash.get("unconverted") or [])


def _outlook(o: Dict[str, Any]) -> List[Dict[str, Any]]:
    g = o["guardrail"]
    return [
        {
            "as_of": o["as_of"],
            "cash": _amount(o["cash"]["cash"]),
            "card_debt": _amount(o["cash"]["card_debt"]),
            "unconverted_currencies": _unconverted(o["cash"]),
            "gross_burn_monthly": _amount(o["burn"]["gross_monthly"]),
            **_runway_row(o["runway"]),
            "ar_total": _amount(o["ar_aging"]["total"]),
            "ap_total": _amount(o["ap_aging"]["total"]),
            "dso_days": o["dso"]["days"],
            "dpo_days": o["dpo"]["days"],
            "guardrail": _amount(g["level"]["amount"]),
            "guardrail_breached_now": g["breached_now"],
            "guardrail_first_week_below": g["first_week_below"],
            "currency": o["cash"]["cash"]["currency"],
        }
    ]


def _cash(o: Dict[str, Any]) -> List[Dict[str, Any]]:
    c = o["cash"]
    runway = _runway_row(o["runway"])
    return [
        {
            "as_of": o["as_of"],
            "cash": _amount(c["cash"]),
            "card_debt": _amount(c["card_debt"]),
            "net": _amount(c["net"]),
            "bank_accounts": c["bank_accounts"],
            "unconverted_currencies": _unconverted(c),
            "gross_burn_monthly": _amount(o["burn"]["gross_monthly"]),
            **runway,
            "currency": c["cash"]["currency"],
        }
    ]


_COUNTS = ["fetched", "applied", "unchanged", "deleted", "dead_lettered", "api_calls"]


def _sync_row(client: str, realm: str, report: Optional[Dict[str, Any]], failure: Optional[Dict[str, Any]]) -> Dict[str, Any]:
    counts = report["counts"] if report else {}
    return {
        "client": client,
        "realm": realm,
        "outcome": report["outcome"] if report else "failed",
        "modes": ",".join(r["mode"] for r in report["runs"]) if report else None,
        **{c: counts.get(c) for c in _COUNTS},
        "duration_ms": report["duration_ms"] if report else None,
        "error_type": failure["error_type"] if failure else None,
        "error_kind": failure["kind"] if failure else None,
        "retryable": failure["retryable"] if failure else None,
        "error": failure["message"] if failure else None,
    }


def _sync_report(r: Dict[str, Any]) -> List[Dict[str, Any]]:
    return [_sync_row(r["client"], r["realm"], r, None)]


def _sync_results(s: Dict[str, Any]) -> List[Dict[str, Any]]:
    return [_sync_row(e["client"], e["realm"], e["report"], e["failure"]) for e in s["results"]]


def _runs(r: Dict[str, Any]) -> List[Dict[str, Any]]:
    return [
        {
            "id": run["id"],
            "client": run["client"],
            "rail": run["rail"],
            "trigger": run["trigger"],
            "mode": run["mode"],
            "status": run["status"],
            "started_at": run["started_at"],
            "finished_at": run["finished_at"],
            **{c: run["counts"][c] for c in _COUNTS},
            "error": run["error"],
        }
        for run in r["runs"]
    ]


def _dead_letters(d: Dict[str, Any]) -> List[Dict[str, Any]]:
    return [
        {
            "id": letter["id"],
            "client": letter["client"],
            "rail": letter["rail"],
            "kind": letter["rejected"]["kind"],
            "external_id": letter["rejected"]["external_id"],
            "reason": letter["rejected"]["reason"],
            "first_seen": letter["first_seen"],
            "last_seen": letter["last_seen"],
            "attempts": letter["attempts"],
        }
        for letter in d["dead_letters"]
    ]


def _audit(a: Dict[str, Any]) -> List[Dict[str, Any]]:
    keys = ["seq", "client", "recorded_at", "action", "kind", "external_id", "version", "source_updated_at",
            "txn_date", "run", "hash"]
    return [{k: e[k] for k in keys} for e in a["entries"]]


def _balances(b: Dict[str, Any]) -> List[Dict[str, Any]]:
    return [
        {
            "client": b["client"],
            "account": p["account"],
            "on": p["on"],
            "balance": p["balance"]["amount"],
            "currency": p["balance"]["currency"],
        }
        for p in b["points"]
    ]


def _client_balances(b: Dict[str, Any]) -> List[Dict[str, Any]]:
    return [
        {
            "rail": a["rail"],
            "account": a["account"],
            "name": a["name"],
            "account_type": a["account_type"],
            "balance": _amount(a["balance"]),
            "currency": None if a["balance"] is None else a["balance"]["currency"],
            "source": a["source"],
            "as_of": a["as_of"],
            "age_seconds": a["age_seconds"],
            "stale": a["stale"],
        }
        for a in b["accounts"]
    ]


def _posting(p: Dict[str, Any]) -> str:
    return f"{p['kind']}:{p['document']}"


def _bank_check(c: Dict[str, Any]) -> List[Dict[str, Any]]:
    rows = []
    for a in c["result"]["accounts"]:
        def row(status: str, item: str, date: Any = None, amount: Any = None, detail: Any = None) -> Dict[str, Any]:
            return {
                "as_of": c["as_of"],
                "bank_account": a["bank_account"],
                "ledger_account": a["ledger_account"],
                "status": status,
                "item": item,
                "date": date,
                "amount": amount,
                "currency": a["currency"],
                "detail": detail,
            }

        for m in a["matched"]:
            postings = ",".join(_posting(p) for p in m["postings"])
            rows.append(row("matched", m["line"], detail=f"{m['pass']} ({m['confidence']}): {postings}"))
        for r in a["review"]:
            candidates = " | ".join(",".join(_posting(p) for p in cand) for cand in r["candidates"])
            rows.append(row("review", r["line"], r["date"], r["amount"], f"{r['reason']}: {candidates}"))
        for u in a["unrecorded"]:
            rows.append(row("unrecorded", u["line"], u["date"], u["amount"], u["fix"]["fix"]))
        for u in a["uncleared"]:
            status = "overdue_uncleared" if u["overdue"] else "uncleared"
            rows.append(row(status, _posting(u["posting"]), u["date"], u["amount"],
                            f"{u['days_outstanding']} days outstanding"))
        for p in a["pending"]:
            rows.append(row("pending", p["line"], p["date"], p["amount"], p["name"]))
        for line in a["excluded"]:
            rows.append(row("excluded", line))
    return rows


_FLOWS = ("opening", "cash_in", "cash_out", "transfers", "financing", "closing")


def _rollforward(r: Dict[str, Any]) -> List[Dict[str, Any]]:
    def row(account: str, name: str, kind: str, month: Dict[str, Any]) -> Dict[str, Any]:
        return {
            "account": account,
            "account_name": name,
            "kind": kind,
            "month": month["month"],
            "through": month["through"],
            **{f: month[f]["amount"] for f in _FLOWS},
            "currency": month["closing"]["currency"],
        }

    rows = [row(a["account"], a["name"], a["kind"], m) for a in r["accounts"] for m in a["months"]]
    return rows + [row("TOTAL", "home-currency accounts", "net cash", m) for m in r["total"]]


_SHAPES: Dict[str, Callable[[Dict[str, Any]], List[Dict[str, Any]]]] = {
    "digest": _digest,
    "tray": _tray,
    "console": _console,
    "forecast": _forecast,
    "scenario": _scenario,
    "aging": _aging,
    "runway": _runway,
    "outlook": _outlook,
    "cash": _cash,
    "rollforward": _rollforward,
    "sync_report": _sync_report,
    "sync_results": _sync_results,
    "runs": _runs,
    "dead_letters": _dead_letters,
    "audit": _audit,
    "balances": _balances,
    "client_balances": _client_balances,
    "bank_check": _bank_check,
}

# Column types: how each column is presented (see the module doc).
MONEY, NUMBER, DATE, TIME = "money", "number", "date", "time"

_RUNWAY_TYPES = {"runway_months": NUMBER, "runway_weeks": NUMBER, "net_burn_monthly": MONEY}
_SYNC_COLUMNS = ["client", "realm", "outcome", "modes", *_COUNTS, "duration_ms", "error_type", "error_kind",
                 "retryable", "error"]

COLUMNS: Dict[str, List[str]] = {
    "digest": [
        "client", "name", "urgency", "urgency_reasons", "stale", "cash", "runway_state", "runway_months",
        "runway_weeks", "net_burn_monthly", "guardrail", "guardrail_breached_now", "guardrail_first_week_below",
        "findings_error", "findings_warning", "findings_info", "pay_now", "pay_now_total", "at_risk",
        "at_risk_total", "to_chase", "currency",
    ],
    "tray": [
        "client", "rule_id", "severity", "kind", "external_id", "amount", "currency", "explanation",
        "suggested_fix",
    ],
    "console": [
        "client", "decision", "external_id", "vendor", "tier", "amount", "currency", "due_date", "send_by",
        "days_overdue", "late_fee_risk", "runway_effect_months",
    ],
    "forecast": ["client", "week", "start", "end", "opening", "inflows", "bill_outflows", "recurring_outflows",
                 "closing", "guardrail", "currency"],
    "scenario": ["client", "week", "start", "end", "base_closing", "scenario_closing", "difference", "currency"],
    "aging": ["client", "as_of", "side", "bucket", "amount", "count", "currency"],
    "runway": ["client", "runway_state", "runway_months", "runway_weeks", "net_burn_monthly", "cash", "currency"],
    "outlook": [
        "client", "as_of", "cash", "card_debt", "unconverted_currencies", "gross_burn_monthly", "runway_state",
        "runway_months", "runway_weeks", "net_burn_monthly", "ar_total", "ap_total", "dso_days", "dpo_days",
        "guardrail", "guardrail_breached_now", "guardrail_first_week_below", "currency",
    ],
    "cash": [
        "client", "as_of", "cash", "card_debt", "net", "bank_accounts", "unconverted_currencies",
        "gross_burn_monthly", "runway_state", "runway_months", "runway_weeks", "net_burn_monthly", "currency",
    ],
    "rollforward": ["client", "account", "account_name", "kind", "month", "through", *_FLOWS, "currency"],
    "sync_report": _SYNC_COLUMNS,
    "sync_results": _SYNC_COLUMNS,
    "runs": ["client", "id", "rail", "trigger", "mode", "status", "started_at", "finished_at", *_COUNTS, "error"],
    "dead_letters": ["client", "id", "rail", "kind", "external_id", "reason", "first_seen", "last_seen", "attempts"],
    "audit": ["client", "seq", "recorded_at", "action", "kind", "external_id", "version", "source_updated_at",
              "txn_date", "run", "hash"],
    "balances": ["client", "account", "on", "balance", "currency"],
    "client_balances": ["client", "rail", "account", "name", "account_type", "balance", "currency", "source",
                        "as_of", "age_seconds", "stale"],
    "bank_check": ["client", "as_of", "bank_account", "ledger_account", "status", "item", "date", "amount",
                   "currency", "detail"],
}
"""Every frame's columns, in order, by result kind (also documented in the README)."""

TYPES: Dict[str, Dict[str, str]] = {
    "digest": {"cash": MONEY, **_RUNWAY_TYPES, "guardrail": MONEY, "pay_now_total": MONEY, "at_risk_total": MONEY},
    "tray": {"amount": MONEY},
    "console": {"amount": MONEY, "due_date": DATE, "send_by": DATE, "runway_effect_months": NUMBER},
    "forecast": {c: MONEY for c in ("opening", "inflows", "bill_outflows", "recurring_outflows", "closing",
                                    "guardrail")} | {"start": DATE, "end": DATE},
    "scenario": {"base_closing": MONEY, "scenario_closing": MONEY, "difference": MONEY, "start": DATE, "end": DATE},
    "aging": {"as_of": DATE, "amount": MONEY},
    "runway": {**_RUNWAY_TYPES, "cash": MONEY},
    "outlook": {"as_of": DATE, "cash": MONEY, "card_debt": MONEY, "gross_burn_monthly": MONEY, **_RUNWAY_TYPES,
                "ar_total": MONEY, "ap_total": MONEY, "dso_days": NUMBER, "dpo_days": NUMBER, "guardrail": MONEY},
    "cash": {"as_of": DATE, "cash": MONEY, "card_debt": MONEY, "net": MONEY, "gross_burn_monthly": MONEY,
             **_RUNWAY_TYPES},
    "rollforward": {"month": DATE, "through": DATE} | {f: MONEY for f in _FLOWS},
    "runs": {"started_at": TIME, "finished_at": TIME},
    "dead_letters": {"first_seen": TIME, "last_seen": TIME},
    "audit": {"recorded_at": TIME, "source_updated_at": TIME, "txn_date": DATE},
    "balances": {"on": DATE, "balance": MONEY},
    "client_balances": {"balance": MONEY, "as_of": TIME},
    "bank_check": {"as_of": DATE, "date": DATE, "amount": MONEY},
}
"""Which columns are money, other decimal figures, dates and times."""

MONEY_CHOICES = ("float", "decimal", "arrow")


def _rows(kind: str, data: Dict[str, Any], client: Optional[str]) -> List[Dict[str, Any]]:
    rows = _SHAPES[kind](data)
    if client is not None:
        rows = [{"client": client, **row} for row in rows]
    return rows


def _typed(pandas: Any, kind: str, rows: List[Dict[str, Any]], money: str) -> Any:
    if money not in MONEY_CHOICES:
        raise ValueError(f"money={money!r}: expected one of {', '.join(repr(m) for m in MONEY_CHOICES)}")
    df = pandas.DataFrame(rows, columns=COLUMNS[kind])
    arrow = None
    if money == "arrow":
        try:
            import pyarrow as arrow
        except ImportError as err:
            raise ImportError("to_pandas(money='arrow') needs pyarrow: pip install pyarrow") from err
    for column, kind_of in TYPES.get(kind, {}).items():
        values = df[column]
        if kind_of == DATE:
            df[column] = pandas.to_datetime(values)
        elif kind_of == TIME:
            df[column] = pandas.to_datetime(values, utc=True)
        elif money == "float" or (kind_of == NUMBER and money == "arrow"):
            df[column] = pandas.array([None if v is None else float(v) for v in values], dtype="float64")
        elif money == "arrow":
            scale = max((-v.as_tuple().exponent for v in values if isinstance(v, Decimal)), default=2)
            df[column] = pandas.Series(
                list(values), index=df.index, dtype=pandas.ArrowDtype(arrow.decimal128(38, max(scale, 0)))
            )
    return df


def frame(kind: str, data: Dict[str, Any], client: Optional[str] = None, money: str = "float") -> Any:
    """The tidy DataFrame of a result of ``kind`` from its ``to_dict()``."""
    pandas = _pandas()
    return _typed(pandas, kind, _rows(kind, data, client), money)


def long_frame(kind: str, parts: Sequence[Tuple[str, Dict[str, Any]]], money: str = "float") -> Any:
    """One DataFrame of many clients' results of ``kind``, with a ``client`` column."""
    pandas = _pandas()
    rows: List[Dict[str, Any]] = []
    for client, data in parts:
        rows += _rows(kind, data, client)
    return _typed(pandas, kind, rows, money)


# HTML for notebooks: a compact table without pandas, and the forecast as a
# small inline SVG chart of closing cash (no plotting library needed).

_HTML_LIMIT = 20


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, Decimal):
        return f"{value:,}"
    return _html.escape(str(value))


def _table(kind: str, rows: List[Dict[str, Any]]) -> str:
    columns = COLUMNS[kind]
    money = {c for c, t in TYPES.get(kind, {}).items() if t in (MONEY, NUMBER)}
    head = "".join(f"<th>{_html.escape(c)}</th>" for c in columns)
    body = []
    for row in rows[:_HTML_LIMIT]:
        cells = "".join(
            f'<td style="text-align:right">{_cell(row.get(c))}</td>' if c in money else f"<td>{_cell(row.get(c))}</td>"
            for c in columns
        )
        body.append(f"<tr>{cells}</tr>")
    more = f"<p>… {len(rows) - _HTML_LIMIT} more rows (to_pandas() has them all)</p>" if len(rows) > _HTML_LIMIT else ""
    return f'<table class="rowcol"><thead><tr>{head}</tr></thead><tbody>{"".join(body)}</tbody></table>{more}'


def _chart(rows: List[Dict[str, Any]], width: int = 360, height: int = 90) -> str:
    closing = [float(r["closing"]) for r in rows]
    floor = [float(r["guardrail"]) for r in rows if r.get("guardrail") is not None]
    if not closing:
        return ""
    low, high = min(closing + floor + [0.0]), max(closing + floor)
    span = (high - low) or 1.0

    def y(v: float) -> float:
        return round(height - 4 - (v - low) / span * (height - 8), 1)

    step = (width - 8) / max(len(closing) - 1, 1)
    points = " ".join(f"{round(4 + i * step, 1)},{y(v)}" for i, v in enumerate(closing))
    guard = ""
    if floor:
        guard = f'<line x1="4" x2="{width - 4}" y1="{y(floor[0])}" y2="{y(floor[0])}" stroke="#c33" stroke-dasharray="4 3"/>'
    return (
        f'<svg width="{width}" height="{height}" role="img" aria-label="closing cash by week">'
        f'{guard}<polyline fill="none" stroke="#2a6" stroke-width="2" points="{points}"/></svg>'
    )


def html(kind: str, data: Dict[str, Any], client: Optional[str] = None) -> str:
    """A compact HTML rendering of a result (Jupyter's ``_repr_html_``)."""
    rows = _rows(kind, data, client)
    if client is None and rows and "client" not in rows[0]:
        rows = [{"client": data.get("client"), **row} for row in rows]
    title = f"<b>{_html.escape(kind)}</b>" + (f" · {_html.escape(str(client))}" if client else "")
    if kind == "forecast":
        return f"<div>{title} closing cash, 13 weeks<br>{_chart(rows)}{_table(kind, rows)}</div>"
    return f"<div>{title}{_table(kind, rows)}</div>"
