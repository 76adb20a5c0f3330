"""Scenarios: Snapshot.scenario, base and what-if side by side, exact."""

import datetime as dt
import pickle
from decimal import Decimal

import pytest

import rowcol
from rowcol import _frames

from conftest import AS_OF


def differences(c):
    return [w["difference"]["amount"] for w in c.weeks]


def test_a_delayed_vendor_keeps_its_bill_out_of_the_weeks_it_moved_from(snapshot):
    # b1 (Landlord v1) 1,500.00 due 07-20: week 1 in the base. Paid 30 days
    # later, 08-19 (day 35): week 6. v1 has no bill in the burn window, so
    # no new-bills rate moves.
    c = snapshot.scenario(delay_vendors={"v1": 30})
    assert differences(c) == [Decimal("1500.00")] * 5 + [Decimal("0.00")] * 8
    assert c.scenario_runway.months == c.base_runway.months


def test_a_hire_is_paid_half_on_the_15th_and_half_at_month_end_and_raises_burn(snapshot):
    # 4,000 a month from 08-01: 2,000 on 08-15 (day 31: week 5), 08-31,
    # 09-15 and 09-30; 10-15 is past the last day, 10-13.
    c = snapshot.scenario(hires=[(Decimal("4000"), dt.date(2026, 8, 1))])
    assert differences(c)[3] == Decimal("0.00")
    assert differences(c)[4] == Decimal("-2000.00")
    assert differences(c)[12] == Decimal("-8000.00")
    assert c.scenario_runway.net_burn_monthly == c.base_runway.net_burn_monthly + Decimal("4000")
    assert c.scenario_runway.months < c.base_runway.months


def test_equity_today_lifts_every_week_and_runway_but_not_burn(snapshot):
    c = snapshot.scenario(equity=(Decimal("10000"), AS_OF))
    assert differences(c) == [Decimal("10000.00")] * 13
    assert c.scenario_runway.cash == c.base_runway.cash + Decimal("10000")
    assert c.scenario_runway.net_burn_monthly == c.base_runway.net_burn_monthly
    assert c.scenario_runway.months > c.base_runway.months
    lines = c.scenario_forecast.to_dict()["weeks"][0]["lines"]
    assert {"source": "financing", "kind": "equity", "amount": {"amount": Decimal("10000.00"), "currency": "USD"}} in lines


def test_the_base_side_is_the_outlook(snapshot):
    c = snapshot.scenario(customers_late={"c1": 10}, loan=("5000", AS_OF))
    assert c.base_forecast == snapshot.forecast()
    assert c.base_runway == snapshot.runway()
    assert "loan repayments are not modelled" in c.definition


def test_bad_scenarios_are_refused_with_the_reason(snapshot):
    with pytest.raises(rowcol.InvalidInputError, match="vendor nobody is not in the client's books"):
        snapshot.scenario(delay_vendors={"nobody": 5})
    with pytest.raises(rowcol.InvalidInputError, match="0 days or more"):
        snapshot.scenario(customers_late={"c1": -3})
    with pytest.raises(rowcol.InvalidInputError, match="float refused"):
        snapshot.scenario(loan=(100.5, AS_OF))
    with pytest.raises(rowcol.InvalidInputError, match="an \\(amount, date\\) pair"):
        snapshot.scenario(equity=Decimal("100"))


def test_the_comparison_frames_pickles_and_keeps_exact_json(snapshot):
    c = snapshot.scenario(delay_vendors={"v1": 30})
    f = c.to_pandas(money="decimal")
    assert list(f.columns) == _frames.COLUMNS["scenario"] and len(f) == 13
    assert f["difference"].iloc[0] == Decimal("1500.00")
    assert pickle.loads(pickle.dumps(c)) == c
    assert c.client == "acme" and c.as_of == AS_OF
