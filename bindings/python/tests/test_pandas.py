"""to_pandas(): frames pandas' numeric tools work on (issue 23): datetime64
dates, float64 money rounded to the minor unit by default, exact Decimal on
request, a client column everywhere, the documented columns, and the
portfolio's long frames."""

import datetime as dt
import pathlib
import sys
from decimal import Decimal

import pytest

import rowcol
from rowcol import _frames

from conftest import AS_OF, SYNCED, client_records

pd = pytest.importorskip("pandas")

README = pathlib.Path(__file__).resolve().parent.parent / "README.md"


def portfolio(snapshot):
    return rowcol.Portfolio([snapshot, rowcol.Snapshot.from_records("bolt", client_records("bolt", "900.00"), AS_OF)])


def test_frames_have_the_documented_columns_with_a_client_column_first(snapshot):
    p = portfolio(snapshot)
    frames = {
        "digest": (p.digest(now=SYNCED).to_pandas(), 2),
        "forecast": (snapshot.forecast().to_pandas(), 13),
        "aging": (snapshot.aging("receivable").to_pandas(), 5),
        "runway": (snapshot.runway().to_pandas(), 1),
        "outlook": (snapshot.outlook().to_pandas(), 1),
        "tray": (snapshot.tray().to_pandas(), len(snapshot.tray())),
        "console": (snapshot.console().to_pandas(), None),
    }
    for kind, (frame, rows) in frames.items():
        assert list(frame.columns) == _frames.COLUMNS[kind], kind
        assert frame.columns[0] == "client", kind
        if rows is not None:
            assert len(frame) == rows, kind
    for kind in ("forecast", "aging", "runway", "outlook"):
        assert set(frames[kind][0]["client"]) == {"acme"}, kind


def test_every_frame_column_is_documented_in_the_readme():
    text = README.read_text()
    missing = [f"{kind}.{c}" for kind, cols in _frames.COLUMNS.items() for c in cols if f"`{c}`" not in text]
    assert not missing, missing


def test_plotting_and_numeric_tools_work_on_the_default_frame(snapshot):
    # Before: money was Decimal in object columns and dates datetime.date, so
    # plot() raised "no numeric data to plot" and .dt / resample failed.
    f = snapshot.forecast().to_pandas()
    for col in ("opening", "inflows", "bill_outflows", "recurring_outflows", "closing"):
        assert f[col].dtype == "float64", col
    assert str(f["start"].dtype).startswith("datetime64")
    assert f["start"].dt.year.iloc[0] == 2026
    assert "closing" in f.describe().columns
    assert f.set_index("start")["closing"].resample("MS").last().notna().any()
    assert f.nlargest(1, "closing")["week"].iloc[0] >= 1
    runs = snapshot.aging("payable").to_pandas()
    assert str(runs["as_of"].dtype).startswith("datetime64") and runs["amount"].dtype == "float64"


def test_money_decimal_keeps_exact_decimals(snapshot):
    f = snapshot.forecast().to_pandas(money="decimal")
    for col in ("opening", "closing"):
        assert f[col].dtype == object and all(type(v) is Decimal for v in f[col]), col
    aging = snapshot.aging("receivable").to_pandas(money="decimal").set_index("bucket")
    assert aging.loc["days1_to30", "amount"] == Decimal("0.3")  # 0.1 + 0.2, exactly
    with pytest.raises(ValueError, match="money='cents'.*'float', 'decimal', 'arrow'"):
        snapshot.forecast().to_pandas(money="cents")


def test_money_arrow_gives_arrow_decimals_when_pyarrow_is_installed(snapshot, monkeypatch):
    try:
        import pyarrow  # noqa: F401
    except ImportError:
        with pytest.raises(ImportError, match="pip install pyarrow"):
            snapshot.forecast().to_pandas(money="arrow")
        return
    f = snapshot.forecast().to_pandas(money="arrow")
    assert "decimal128" in str(f["closing"].dtype)
    assert Decimal(str(f["closing"].iloc[0])) == snapshot.forecast().to_dict()["weeks"][0]["closing"]["amount"]
    monkeypatch.setitem(sys.modules, "pyarrow", None)
    with pytest.raises(ImportError, match="pip install pyarrow"):
        snapshot.forecast().to_pandas(money="arrow")


def test_derived_money_is_rounded_half_away_from_zero_to_the_minor_unit():
    # Before: net_burn_monthly showed 685.39333333333333333333333333.
    recs = client_records("acme")
    recs.append(rowcol.records.purchase("acme", "odd", Decimal("0.02"), txn_date=dt.date(2026, 5, 6), account="10",
                                        paid_from="1", payee="v1"))
    snap = rowcol.Snapshot.from_records("acme", recs, AS_OF)
    exact = Decimal(__import__("json").loads(snap.runway().to_json())["net_burn_monthly"]["amount"])
    assert exact != exact.quantize(Decimal("0.01"))  # a third of a cent: needs rounding
    shown = snap.runway().net_burn_monthly
    assert shown == exact.quantize(Decimal("0.01"), rounding="ROUND_HALF_UP")
    assert snap.runway().to_dict()["net_burn_monthly"]["amount"] == shown
    assert snap.runway().to_pandas(money="decimal")["net_burn_monthly"].iloc[0] == shown
    guardrail = snap.outlook().to_dict()["guardrail"]["level"]["amount"]["amount"]
    assert guardrail == guardrail.quantize(Decimal("0.01"))


def test_times_are_utc_datetime64_and_dates_datetime64(snapshot):
    console = snapshot.console().to_pandas()
    assert str(console["due_date"].dtype).startswith("datetime64")
    digest = portfolio(snapshot).digest(now=SYNCED).to_pandas()
    assert digest["cash"].dtype == "float64" and digest["runway_months"].dtype == "float64"


def test_digest_frame_keeps_urgency_reasons(snapshot):
    broke = rowcol.Snapshot.from_records("bolt", client_records("bolt", "10.00"), AS_OF)
    d = rowcol.Portfolio([snapshot, broke]).digest(now=SYNCED)
    frame = d.to_pandas().set_index("client")
    reasons = {line["client"]: "; ".join(line["urgency_reasons"]) for line in d.to_dict()["clients"]}
    assert reasons["bolt"]
    assert frame.loc["bolt", "urgency_reasons"] == reasons["bolt"]


def test_portfolio_long_frames_have_a_client_column_for_groupby_and_pivot(snapshot):
    p = portfolio(snapshot)
    f = p.forecasts()
    assert list(f.columns) == _frames.COLUMNS["forecast"] and len(f) == 26
    wide = f.pivot(index="start", columns="client", values="closing")
    assert list(wide.columns) == ["acme", "bolt"] and len(wide) == 13
    assert wide.loc[wide.index[0], "acme"] == float(snapshot.forecast().to_dict()["weeks"][0]["closing"]["amount"])
    a = p.agings()
    assert len(a) == 2 * 2 * 5 and set(a["side"]) == {"receivable", "payable"}
    assert a.groupby(["client", "side"])["amount"].sum().loc[("acme", "receivable")] == float(
        snapshot.aging("receivable").total
    )
    c = p.cash().set_index("client")
    assert list(c.reset_index().columns) == _frames.COLUMNS["cash"]
    assert c.loc["bolt", "cash"] == 900.0 and c.loc["acme", "runway_months"] > 0
    assert p.forecasts(money="decimal")["closing"].map(type).eq(Decimal).all()


def test_a_currency_left_out_of_cash_is_flagged_in_the_frames():
    # Before: a CAD account without a rate was left out of cash, silently.
    recs = client_records("acme") + [rowcol.records.bank_account("acme", "9", "CAD float", Decimal("500"), currency="CAD")]
    snap = rowcol.Snapshot.from_records("acme", recs, AS_OF)
    assert snap.outlook().to_pandas()["unconverted_currencies"].iloc[0] == "CAD"
    assert rowcol.Portfolio([snap]).cash()["unconverted_currencies"].iloc[0] == "CAD"


def test_empty_results_keep_their_columns():
    snap = rowcol.Snapshot.from_records("acme", [], AS_OF)
    assert list(snap.tray().to_pandas().columns)[:2] == ["client", "rule_id"]
    assert len(snap.console().to_pandas()) == 0
    assert "decision" in snap.console().to_pandas().columns


def test_missing_pandas_is_a_clear_import_error(snapshot, monkeypatch):
    monkeypatch.setitem(sys.modules, "pandas", None)
    with pytest.raises(ImportError, match="pip install pandas"):
        snapshot.runway().to_pandas()


def test_the_cash_rollforward_frame_closes_on_each_bank_balance(snapshot):
    p = portfolio(snapshot)
    f = p.rollforward(3)
    assert list(f.columns) == _frames.COLUMNS["rollforward"]
    assert str(f["month"].dtype).startswith("datetime64") and f["closing"].dtype == "float64"
    checking = f[(f.client == "acme") & (f.account == "1")].sort_values("month")
    # May and June: 1,000.00 in and 3,000.05 out on the 5th; July to the
    # 15th: nothing; worked back from the balance of 25,000.10.
    assert list(checking["closing"]) == [27000.15, 25000.10, 25000.10]
    assert list(checking["opening"]) == [29000.20, 27000.15, 25000.10]
    assert list(checking["cash_out"]) == [3000.05, 3000.05, 0.0]
    exact = p.rollforward(3, money="decimal")
    total = exact[(exact.account == "TOTAL") & (exact.client == "bolt")]
    # Net cash: bolt's 900.00 in checking less the 1,200.00 owed on Visa.
    assert total["closing"].iloc[-1] == Decimal("-300.00")
    assert set(exact["kind"]) == {"bank", "card", "net cash"}
    with pytest.raises(rowcol.InvalidInputError):
        p.rollforward(0)
