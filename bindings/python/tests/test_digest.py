"""The portfolio digest from Python: ordering, freshness, totals, frames."""

import datetime as dt
from decimal import Decimal

import pytest

import rowcol

from conftest import AS_OF, SYNCED, client_records


def portfolio(cash_by_client):
    return rowcol.Portfolio(
        [
            rowcol.Snapshot.from_records(c, client_records(c, cash), AS_OF, synced_at=SYNCED)
            for c, cash in cash_by_client.items()
        ]
    )


def test_digest_orders_by_urgency_then_runway_and_totals_cash_exactly():
    p = portfolio({"rich": "900000.01", "poor": "500.02", "mid": "20000.03"})
    d = p.digest(now=SYNCED + dt.timedelta(minutes=5))
    assert len(d) == 3 and d.as_of == AS_OF
    assert d.client_ids[0] == "poor"
    lines = d.to_dict()["clients"]
    urgency_rank = ["critical", "high", "watch", "calm"]
    ranks = [urgency_rank.index(c["urgency"]) for c in lines]
    assert ranks == sorted(ranks)
    totals = d.to_dict()["totals"]
    assert totals["clients"] == 3
    # Net cash: 920,500.06 in the banks less 1,200.00 owed on each client's card.
    assert totals["cash"] == [{"amount": Decimal("916900.06"), "currency": "USD"}]


def test_freshness_follows_now_and_target():
    p = portfolio({"acme": "25000"})
    fresh = p.digest(now=SYNCED + dt.timedelta(minutes=5))
    assert fresh.to_dict()["clients"][0]["stale"] is False
    late = p.digest(now=SYNCED + dt.timedelta(hours=2))
    assert late.to_dict()["clients"][0]["stale"] is True
    lenient = p.digest(now=SYNCED + dt.timedelta(hours=2), freshness_target=3 * 3600)
    assert lenient.to_dict()["clients"][0]["stale"] is False
    assert lenient.to_dict()["freshness_target_seconds"] == 3 * 3600


def test_module_digest_takes_a_list_or_a_portfolio():
    p = portfolio({"acme": "1", "bolt": "2"})
    now = SYNCED + dt.timedelta(minutes=1)
    a = rowcol.digest(p.snapshots, now=now)
    b = rowcol.digest(p, now=now)
    assert a.to_json() == b.to_json()
    assert b.to_dict()["now"] == now


def test_as_of_must_be_given_when_dates_differ():
    a = rowcol.Snapshot.from_records("acme", client_records("acme"), AS_OF)
    b = rowcol.Snapshot.from_records("bolt", client_records("bolt"), AS_OF - dt.timedelta(days=1))
    with pytest.raises(rowcol.InvalidInputError, match="as_of"):
        rowcol.digest([a, b])
    assert len(rowcol.digest([a, b], AS_OF)) == 2


def test_portfolio_round_trips_json_and_lists_outlooks():
    p = portfolio({"acme": "1", "bolt": "2"})
    again = rowcol.Portfolio.from_json(p.to_json())
    assert len(again) == 2 and again.client_ids == ["acme", "bolt"]
    outlooks = again.outlooks()
    # Runway runs on net cash: 1 and 2 in the bank, 1,200.00 owed on the card.
    assert [o.runway.cash for o in outlooks.values()] == [Decimal("-1199.00"), Decimal("-1198.00")]
    assert list(outlooks) == ["acme", "bolt"]
    assert "clients=2" in repr(again)


def test_time_digest_runs_in_rust():
    p = portfolio({"acme": "1"})
    times = p._time_digest(3, now=SYNCED)
    assert len(times) == 3 and all(t > 0 for t in times)


def test_gil_is_released_while_rust_computes():
    import threading
    import time

    p = portfolio({f"c{i}": str(1000 * i + 1) for i in range(6)})
    done = threading.Event()
    ticks = 0

    def work():
        p._time_digest(400, now=SYNCED)
        done.set()

    t = threading.Thread(target=work)
    start = time.perf_counter()
    t.start()
    while not done.is_set():
        ticks += 1
    t.join()
    elapsed = time.perf_counter() - start
    # Python kept running beside the digests: with the GIL held it could
    # only tick at switch intervals (a few hundred times a second at most).
    assert elapsed > 0.05
    assert ticks / elapsed > 5_000, (ticks, elapsed)


def test_the_html_report_is_the_commands_page_for_the_same_portfolio():
    p = portfolio({"acme": Decimal("12000.00"), "zeta": Decimal("300.00")})
    now = SYNCED + dt.timedelta(minutes=5)
    page = p.to_html(now=now)
    assert page.startswith("<!DOCTYPE html>") or page.lstrip().lower().startswith("<!doctype html>")
    assert "<script" not in page.lower(), "self-contained, no script"
    for client in ("acme", "zeta"):
        assert client in page
    # The same figures as the digest: each client's cash, to the cent.
    d = p.digest(now=now)
    for line in d.to_dict()["clients"]:
        cash = line["cash"]["value"]["amount"]
        assert f"{cash:,.2f}" in page, cash
    with pytest.raises(rowcol.InvalidInputError):
        rowcol.Portfolio([]).to_html()
