"""Tidy pandas DataFrames of results (called by each result's ``to_pandas``).

Only reshaping: every figure comes from the result's ``to_dict()``. Money
columns hold ``decimal.Decimal`` (object dtype), never floats; each frame
carries a ``currency`` column.
"""

from __future__ import annotations

from typing import Any, Callable, Dict, List, Optional


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
            "currency": w["closing"]["currency"],
        }
        for w in f["weeks"]
    ]


def _aging(a: Dict[str, Any]) -> List[Dict[str, Any]]:
    return [
        {
            "side": a["side"],
            "bucket": b["bucket"],
            "amount": b["amount"]["amount"],
            "count": b["count"],
            "currency": b["amount"]["currency"],
        }
        for b in a["buckets"]
    ]


def _runway(r: Dict[str, Any]) -> List[Dict[str, Any]]:
    return [{**_runway_row(r), "cash": _amount(r["cash"]), "currency": r["cash"]["currency"]}]


def _outlook(o: Dict[str, Any]) -> List[Dict[str, Any]]:
    g = o["guardrail"]
    return [
        {
            "as_of": o["as_of"],
            "cash": _amount(o["cash"]["cash"]),
            "card_debt": _amount(o["cash"]["card_debt"]),
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


_SHAPES: Dict[str, Callable[[Dict[str, Any]], List[Dict[str, Any]]]] = {
    "digest": _digest,
    "tray": _tray,
    "console": _console,
    "forecast": _forecast,
    "aging": _aging,
    "runway": _runway,
    "outlook": _outlook,
    "sync_report": _sync_report,
    "sync_results": _sync_results,
    "runs": _runs,
    "dead_letters": _dead_letters,
    "audit": _audit,
    "balances": _balances,
}

_SYNC_COLUMNS = ["client", "realm", "outcome", "modes", *_COUNTS, "duration_ms", "error_type", "error_kind",
                 "retryable", "error"]

COLUMNS: Dict[str, List[str]] = {
    "digest": [
        "client", "name", "urgency", "stale", "cash", "runway_state", "runway_months", "runway_weeks",
        "net_burn_monthly", "guardrail", "guardrail_breached_now", "guardrail_first_week_below",
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
    "sync_results": _SYNC_COLUMNS,
    "runs": ["id", "client", "rail", "trigger", "mode", "status", "started_at", "finished_at", *_COUNTS, "error"],
    "dead_letters": ["id", "client", "rail", "kind", "external_id", "reason", "first_seen", "last_seen", "attempts"],
    "audit": ["seq", "client", "recorded_at", "action", "kind", "external_id", "version", "source_updated_at",
              "txn_date", "run", "hash"],
    "balances": ["client", "account", "on", "balance", "currency"],
}
"""Columns of the frames that may have no rows (so an empty frame keeps its shape)."""


def frame(kind: str, data: Dict[str, Any]) -> Any:
    """The tidy DataFrame of a result of ``kind`` from its ``to_dict()``."""
    pandas = _pandas()
    rows = _SHAPES[kind](data)
    return pandas.DataFrame(rows, columns=COLUMNS.get(kind) or (list(rows[0]) if rows else None))
