"""Input from a DataFrame and typos (issue 23): pandas.Timestamp, numpy ints
and ISO date strings are read; unknown currencies and settings keys are
refused, each with a message saying what to give instead."""

import datetime as dt
from decimal import Decimal

import pytest

import rowcol
from rowcol import records as r

from conftest import AS_OF, client_records

pd = pytest.importorskip("pandas")
np = pytest.importorskip("numpy")


def test_dates_from_a_dataframe_row_a_timestamp_or_iso_text_are_read(snapshot):
    # Before: "expected a datetime.date, got a datetime" / "'str' object has no attribute 'year'".
    want = snapshot.runway(AS_OF)
    for given in (pd.Timestamp("2026-07-15"), np.datetime64("2026-07-15"), "2026-07-15",
                  dt.datetime(2026, 7, 15)):
        assert snapshot.runway(given) == want, given


def test_a_time_of_day_or_bad_text_is_refused_with_what_to_give():
    snap = rowcol.Snapshot.from_records("acme", [], AS_OF)
    with pytest.raises(rowcol.InvalidInputError, match=r"as_of: expected a date, got a datetime at 13:30:00"):
        snap.runway(pd.Timestamp("2026-07-15 13:30"))
    with pytest.raises(rowcol.InvalidInputError, match=r"as_of: \"15/07/2026\" is not an ISO date \(expected YYYY-MM-DD"):
        snap.runway("15/07/2026")
    with pytest.raises(rowcol.InvalidInputError, match=r"as_of: expected a date .* got a int"):
        snap.runway(20260715)


def test_records_built_from_dataframe_rows_are_accepted():
    bills = pd.DataFrame(
        {
            "id": np.array([101, 102], dtype="int64"),
            "amount": np.array([1500, 99], dtype="int64"),
            "txn_date": pd.to_datetime(["2026-07-01", "2026-06-01"]),
            "due_date": ["2026-07-20", "2026-06-30"],
        }
    )
    recs = [r.bank_account("acme", "1", "Checking", Decimal("5000")), r.vendor("acme", "v1", "Landlord")]
    for row in bills.itertuples(index=False):
        recs.append(r.bill("acme", row.id, row.amount, txn_date=row.txn_date, due_date=row.due_date, vendor="v1"))
    snap = rowcol.Snapshot.from_records("acme", recs, AS_OF)
    assert snap.aging("payable").total == Decimal("1599")
    ids = sorted(b["meta"]["external_id"] for b in snap.to_dict()["bills"])
    assert ids == ["101", "102"]


def test_a_missing_value_from_a_dataframe_says_so():
    with pytest.raises(rowcol.InvalidInputError, match="NaN .*leave the field out or pass None"):
        rowcol.Snapshot.from_records("acme", [r.bill("acme", "b1", float("nan"), txn_date=AS_OF)], AS_OF)


def test_unknown_currency_codes_are_refused():
    # Before: "XYZ" was accepted silently.
    with pytest.raises(rowcol.InvalidInputError, match=r"home_currency: unknown currency code \"XYZ\".*ISO 4217"):
        rowcol.Snapshot.from_records("acme", [], AS_OF, home_currency="XYZ")
    with pytest.raises(rowcol.InvalidInputError, match=r"records\[0\]\..*currency: unknown currency code \"USX\""):
        rowcol.Snapshot.from_records("acme", [r.bank_account("acme", "1", "Checking", 1, currency="USX")], AS_OF)
    assert rowcol.Snapshot.from_records("acme", [], AS_OF, home_currency="cad").home_currency == "CAD"


def test_unknown_currency_is_refused_by_the_mirror_too(mirror):
    with pytest.raises(rowcol.InvalidInputError, match="unknown currency code"):
        mirror.add_client("jane-cfo", "zed", "Zed", home_currency="XYZ")
    with pytest.raises(rowcol.InvalidInputError, match="unknown currency code"):
        mirror.apply("acme", [r.bank_account("acme", "8", "Odd", 1, currency="XYZ")])


def test_a_settings_typo_is_refused_with_a_suggestion(mirror):
    # Before: {"guardrail_week": 6} was dropped without a word.
    with pytest.raises(rowcol.InvalidInputError, match=r"unknown key \"guardrail_week\" \(did you mean \"guardrail\"\?\)"):
        rowcol.Snapshot.from_records("acme", client_records(), AS_OF, settings={"guardrail_week": 6})
    with pytest.raises(rowcol.InvalidInputError, match="known keys: .*burn_window_months"):
        mirror.save_settings("jane-cfo", "acme", {"burn_windw": 3})
    mirror.save_settings("jane-cfo", "acme", {"burn_window_months": 4})
    assert mirror.settings("jane-cfo", "acme")["burn_window_months"] == 4
