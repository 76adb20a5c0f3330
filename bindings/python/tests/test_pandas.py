"""to_pandas(): tidy frames with Decimal money, and a clear error without pandas."""

import datetime as dt
import sys
from decimal import Decimal

import pytest

import rowcol

from conftest import AS_OF, SYNCED, client_records

pd = pytest.importorskip("pandas")


def test_frames_have_the_documented_shapes(snapshot):
    p = rowcol.Portfolio([snapshot, rowcol.Snapshot.from_records("bolt", client_records("bolt"), AS_OF)])
    shapes = {
        "digest": (p.digest(now=SYNCED).to_pandas(), 2, 21),
        "forecast": (snapshot.forecast().to_pandas(), 13, 9),
        "aging": (snapshot.aging("receivable").to_pandas(), 5, 5),
        "runway": (snapshot.runway().to_pandas(), 1, 6),
        "outlook": (snapshot.outlook().to_pandas(), 1, 16),
    }
    for name, (frame, rows, cols) in shapes.items():
        assert isinstance(frame, pd.DataFrame), name
        assert frame.shape == (rows, cols), (name, frame.shape, list(frame.columns))
    tray = snapshot.tray().to_pandas()
    assert list(tray.columns)[:3] == ["client", "rule_id", "severity"] and len(tray) == len(snapshot.tray())
    console = snapshot.console().to_pandas()
    assert "decision" in console.columns and "amount" in console.columns


def test_money_columns_hold_decimals_not_floats(snapshot):
    f = snapshot.forecast().to_pandas()
    for col in ("opening", "inflows", "bill_outflows", "recurring_outflows", "closing"):
        assert f[col].dtype == object
        assert all(type(v) is Decimal for v in f[col]), col
    aging = snapshot.aging("receivable").to_pandas().set_index("bucket")
    assert aging.loc["days1_to30", "amount"] == Decimal("0.3")
    assert isinstance(f.loc[0, "start"], dt.date)


def test_empty_results_keep_their_columns():
    snap = rowcol.Snapshot.from_records("acme", [], AS_OF)
    assert list(snap.tray().to_pandas().columns)[:2] == ["client", "rule_id"]
    assert len(snap.console().to_pandas()) == 0
    assert "decision" in snap.console().to_pandas().columns


def test_missing_pandas_is_a_clear_import_error(snapshot, monkeypatch):
    monkeypatch.setitem(sys.modules, "pandas", None)
    with pytest.raises(ImportError, match="pip install pandas"):
        snapshot.runway().to_pandas()
