"""Calculators on plain Python data: Snapshot.from_records and its figures."""

import datetime as dt
from decimal import ROUND_HALF_UP, Decimal

import pytest

import rowcol
from rowcol import records as r

from conftest import AS_OF, SYNCED, client_records


def test_cash_adds_exactly_with_no_float_anywhere():
    # 0.1 + 0.2 is 0.30000000000000004 in float; RowCol keeps it exact.
    recs = [r.bank_account("acme", "1", "A", Decimal("0.1")), r.bank_account("acme", "2", "B", "0.2")]
    snap = rowcol.Snapshot.from_records("acme", recs, AS_OF)
    cash = snap.outlook().to_dict()["cash"]["cash"]
    assert cash == {"amount": Decimal("0.3"), "currency": "USD"}
    assert type(cash["amount"]) is Decimal
    assert snap.runway().cash == Decimal("0.3")


def test_invoices_of_a_tenth_and_a_fifth_age_to_exactly_three_tenths(snapshot):
    aging = snapshot.aging("receivable")
    buckets = {b["bucket"]: b for b in aging.to_dict()["buckets"]}
    # i1 and i2 were due on 1 and 2 July: 14 and 13 days past due on 15 July.
    assert buckets["days1_to30"]["amount"]["amount"] == Decimal("0.3")
    assert buckets["days1_to30"]["count"] == 2
    assert buckets["current"]["amount"]["amount"] == Decimal("4000.00")
    assert aging.total == Decimal("4000.3")


def test_floats_are_refused_on_the_money_path():
    with pytest.raises(rowcol.InvalidInputError, match="float refused"):
        rowcol.Snapshot.from_records("acme", [r.bank_account("acme", "1", "A", 0.1)], AS_OF)


def test_runway_is_cash_over_net_burn_rounded_half_up(snapshot):
    runway = snapshot.runway()
    assert runway.state == "months"
    expected = (runway.cash / runway.net_burn_monthly).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    assert runway.months == expected
    assert isinstance(runway.weeks, Decimal)
    assert runway.currency == "USD"
    assert "net operating burn" in runway.definition and "credit-card balances owed" in runway.definition
    assert repr(runway).startswith("Runway(")


def test_runway_says_when_it_cannot_know():
    snap = rowcol.Snapshot.from_records("acme", [r.bank_account("acme", "1", "A", 100)], AS_OF)
    runway = snap.runway()
    assert runway.state == "insufficient_data"
    assert runway.months is None and runway.weeks is None


def test_forecast_has_thirteen_dated_weeks_that_chain(snapshot):
    forecast = snapshot.forecast()
    weeks = forecast.to_dict()["weeks"]
    assert len(forecast) == 13 and len(weeks) == 13
    assert weeks[0]["start"] == AS_OF and isinstance(weeks[0]["end"], dt.date)
    for a, b in zip(weeks, weeks[1:]):
        assert a["closing"] == b["opening"]
    w = weeks[0]
    assert w["closing"]["amount"] == (
        w["opening"]["amount"] + w["inflows"]["amount"] - w["bill_outflows"]["amount"] - w["recurring_outflows"]["amount"]
    )


def test_outlook_parts_agree_with_the_single_calculators(snapshot):
    outlook = snapshot.outlook()
    assert outlook.as_of == AS_OF
    assert outlook.runway.to_dict() == snapshot.runway().to_dict()
    assert outlook.forecast.to_dict() == snapshot.forecast().to_dict()
    assert outlook.ar_aging.to_dict() == snapshot.aging("ar").to_dict()
    assert outlook.ap_aging.to_dict() == snapshot.aging("payable").to_dict()
    assert set(outlook.keys()) >= {"cash", "burn", "runway", "forecast", "guardrail", "dso", "dpo"}
    assert outlook["as_of"] == AS_OF


def test_aging_side_is_checked(snapshot):
    with pytest.raises(rowcol.InvalidInputError):
        snapshot.aging("sideways")


def test_tray_and_console_on_plain_data(snapshot):
    tray = snapshot.tray()
    assert tray.to_dict()["client"] == "acme"
    assert set(tray.counts) == {"error", "warning", "info"}
    assert len(tray) == len(tray.to_dict()["findings"])
    console = snapshot.console()
    d = console.to_dict()
    decided = {b["bill"]["id"] for g in ("pay_now", "at_risk", "can_wait") for b in d[g]}
    held = {e["id"] for e in d["held_for_hygiene"]}
    assert decided | held == {"b1", "b2"}
    assert console.outlook.to_dict() == snapshot.outlook().to_dict()


def test_snapshot_round_trips_through_dict_and_json(snapshot):
    again = rowcol.Snapshot.from_dict(snapshot.to_dict())
    assert again.to_json() == snapshot.to_json()
    assert rowcol.Snapshot.from_json(snapshot.to_json()).to_dict() == snapshot.to_dict()
    assert snapshot.client == "acme" and snapshot.name == "Acme Ltd"
    assert snapshot.home_currency == "USD" and snapshot.as_of == AS_OF
    assert "bills=2" in repr(snapshot)


def test_settings_are_laid_over_the_defaults():
    recs = client_records()
    snap = rowcol.Snapshot.from_records(
        "acme", recs, AS_OF, settings={"guardrail": {"fixed": {"amount": Decimal("30000"), "currency": "USD"}}}
    )
    g = snap.outlook().to_dict()["guardrail"]
    assert g["level"]["amount"]["amount"] == Decimal("30000")
    assert g["breached_now"] is True
    assert snap.to_dict()["settings"]["burn_window_months"] == 3


def test_records_of_another_client_and_bad_shapes_are_refused():
    with pytest.raises(rowcol.InvalidInputError, match="belongs to client bolt"):
        rowcol.Snapshot.from_records("acme", [r.bank_account("bolt", "1", "A", 1)], AS_OF)
    with pytest.raises(rowcol.InvalidInputError, match="records\\[0\\]"):
        rowcol.Snapshot.from_records("acme", [{"widget": {}}], AS_OF)
    with pytest.raises(rowcol.InvalidInputError):
        rowcol.Snapshot.from_records("not a slug!", [], AS_OF)
    with pytest.raises(rowcol.InvalidInputError, match="naive datetime"):
        rowcol.Snapshot.from_records("acme", [], AS_OF, synced_at=dt.datetime(2026, 7, 15))
    with pytest.raises(rowcol.InvalidInputError, match="date"):
        rowcol.Snapshot.from_records("acme", [], SYNCED)


def test_deleted_records_are_left_out():
    bill = r.bill("acme", "b9", 10, txn_date=AS_OF)
    bill["bill"]["meta"]["deleted"] = True
    snap = rowcol.Snapshot.from_records("acme", [bill], AS_OF)
    assert snap.to_dict()["bills"] == []


def test_every_record_builder_makes_a_record_the_snapshot_takes():
    day = dt.date(2026, 7, 1)
    recs = [
        r.term("acme", "t1", "2% 10 Net 30", due_days=30, discount_percent=Decimal("2"), discount_days=10),
        r.vendor("acme", "v1", "Mill", terms="t1", is_1099=True),
        r.customer("acme", "c1", "Cafe", email="ap@cafe.example"),
        r.bill("acme", "b1", Decimal("100.00"), txn_date=day, due_date=day, balance=Decimal("40.00"), vendor="v1", terms="t1"),
        r.bill_payment("acme", "bp1", Decimal("60.00"), txn_date=day, vendor="v1", bills={"b1": Decimal("60.00")}, paid_from="1"),
        r.invoice("acme", "i1", Decimal("80.00"), txn_date=day, customer="c1", balance=0),
        r.payment("acme", "pay1", Decimal("80.00"), txn_date=day, customer="c1", invoices={"i1": Decimal("80.00")}),
        r.deposit("acme", "d1", Decimal("80.00"), txn_date=day, deposit_to="1"),
        r.purchase("acme", "p1", Decimal("12.34"), txn_date=day, account="10", payee="v1", method="cash"),
        r.credit_card("acme", "3", "Visa", Decimal("5")),
        r.company("acme", "Acme Co", home_currency="USD"),
    ]
    snap = rowcol.Snapshot.from_records("acme", recs, AS_OF)
    d = snap.to_dict()
    assert d["terms"][0]["discount_percent"] == Decimal("2")
    assert d["vendors"][0]["is_1099"] is True
    assert d["bill_payments"][0]["applied_to"] == [
        {"kind": "bill", "id": "b1", "amount": {"amount": Decimal("60.00"), "currency": "USD"}}
    ]
    assert d["payments"][0]["applied_to"][0]["id"] == "i1"
    assert d["purchases"][0]["method"] == "cash"
    assert d["deposits"][0]["txn"]["total"]["amount"] == Decimal("80.00")
    assert d["company"]["company_name"] == "Acme Co" and snap.name == "Acme Co"
    assert d["bills"][0]["balance"]["amount"] == Decimal("40.00")


def test_forecast_reports_the_first_week_under_the_guardrail():
    recs = client_records(cash="2000")
    snap = rowcol.Snapshot.from_records(
        "acme", recs, AS_OF, settings={"guardrail": {"fixed": {"amount": "1000", "currency": "USD"}}}
    )
    f = snap.forecast()
    weeks = f.to_dict()["weeks"]
    first = next(w["week"] for w in weeks if w["closing"]["amount"] < Decimal("1000"))
    assert f.first_week_below_guardrail == first
    assert repr(f).startswith("Forecast(client=acme, as_of=2026-07-15")
