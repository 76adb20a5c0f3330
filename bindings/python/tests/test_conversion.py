"""Conversion guard: no float anywhere in a result, and no date, time or
amount left behind as text (a new Rust field the conversion table misses
fails here)."""

import datetime as dt
import re
from decimal import Decimal

import rowcol

from conftest import SYNCED

DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
TIME = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}")
NUMBER = re.compile(r"^-?\d+\.\d+$")
# Text fields that may legitimately look like numbers.
TEXT_KEYS = {"id", "external_id", "version", "client", "realm", "doc_number", "rule_id", "name", "code"}


def walk(value, key, seen):
    if isinstance(value, dict):
        for k, v in value.items():
            walk(v, k, seen)
    elif isinstance(value, list):
        for v in value:
            walk(v, key, seen)
    else:
        seen.append((key, value))


def leaves(result):
    seen = []
    walk(result.to_dict(), "", seen)
    return seen


def check(result):
    for key, value in leaves(result):
        assert not isinstance(value, float), (key, value)
        if isinstance(value, str):
            assert not DATE.match(value) and not TIME.match(value), (key, value)
            assert key in TEXT_KEYS or not NUMBER.match(value), (key, value)


def test_every_result_converts_fully(snapshot):
    p = rowcol.Portfolio([snapshot])
    for result in (
        snapshot.outlook(),
        snapshot.tray(),
        snapshot.console(),
        snapshot.forecast(),
        snapshot.runway(),
        snapshot.aging("payable"),
        p.digest(now=SYNCED),
    ):
        check(result)


def test_snapshot_converts_fully(snapshot):
    seen = []
    walk(snapshot.to_dict(), "", seen)
    kinds = {type(v) for _, v in seen}
    assert float not in kinds
    assert {Decimal, dt.date, dt.datetime} <= kinds
    for key, value in seen:
        if isinstance(value, dt.datetime):
            assert value.tzinfo is not None, key
        if isinstance(value, str):
            assert not DATE.match(value) and not TIME.match(value), (key, value)


def test_times_keep_their_offset():
    from rowcol import records as r

    t = dt.datetime(2026, 1, 15, 9, 0, tzinfo=dt.timezone(dt.timedelta(hours=-8)))
    bill = r.bill("acme", "b1", 5, txn_date=dt.date(2026, 1, 15), updated_at=t)
    snap = rowcol.Snapshot.from_records("acme", [bill], dt.date(2026, 2, 1))
    got = snap.to_dict()["bills"][0]["meta"]["updated_at"]
    assert got == t and got.utcoffset() == dt.timedelta(hours=-8)


def test_counters_stay_ints_and_decimals_stay_decimals(snapshot):
    o = snapshot.outlook().to_dict()
    assert o["burn"]["window"]["months"] == 3 and type(o["burn"]["window"]["months"]) is int
    assert type(o["burn"]["transactions"]) is int
    assert type(o["runway"]["state"]["months"]) is Decimal
    assert type(o["dso"]["days"]) in (Decimal, type(None))


def test_sync_reports_and_history_convert_fully(tmp_path):
    with rowcol.LookAlike(clients=1, size="small", seed=5) as sim:
        m = rowcol.Mirror.open(f"sqlite:///{tmp_path}/c.db", ephemeral=True)
        (client,) = sim.register(m, "adv")
        realm = sim.realm_ids[0]
        sim.create(realm, "Bill", {"VendorRef": {"name": "no id"}, "TxnDate": "2026-01-05", "TotalAmt": "1.00"})
        results = m.sync_all(sim.app())
        today = sim.now.date()
        for result in (
            results,
            results.reports[client],
            m.runs(client),
            m.dead_letters(client),
            m.audit_entries(client, limit=50),
            m.balance_history("adv", client, today, today),
        ):
            check(result)
        checkpoint = m.checkpoint(client)
        assert isinstance(checkpoint["committed_at"], dt.datetime)
        # The change cursor is the rail's own text (QBO's is a time), kept as it is.
        cursor = checkpoint["position"]["incremental"]["cursor"]
        assert isinstance(cursor, str) and dt.datetime.fromisoformat(cursor).tzinfo is not None
        assert len(m.dead_letters(client)) == 1
