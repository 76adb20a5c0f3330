"""Sync from Python: the QBO look-alike in process, the real QBO rail and
sync engine, reports, errors and the records the mirror keeps about its work."""

import datetime as dt
import threading
import time
from decimal import Decimal

import pytest

import rowcol

ADVISOR = "demo-advisor"


@pytest.fixture(scope="module")
def synced(tmp_path_factory):
    """Two small look-alike companies, registered and synced once (shared:
    tests here only read)."""
    path = tmp_path_factory.mktemp("synced") / "mirror.db"
    with rowcol.LookAlike(clients=2, size="small") as sim:
        m = rowcol.Mirror.open(f"sqlite:///{path}", ephemeral=True)
        clients = sim.register(m, ADVISOR)
        results = m.sync_all(sim.app())
        yield sim, m, clients, results


@pytest.fixture
def one(tmp_path):
    """One small company, registered and not yet synced (tests may change it)."""
    with rowcol.LookAlike(clients=1, size="small", seed=7) as sim:
        m = rowcol.Mirror.open(f"sqlite:///{tmp_path}/one.db", ephemeral=True)
        (client,) = sim.register(m, ADVISOR)
        yield sim, m, client, sim.realm_ids[0]


def test_sync_all_mirrors_every_company(synced):
    sim, m, clients, results = synced
    assert clients == ["client-001", "client-002"]
    assert isinstance(results, rowcol.SyncResults) and len(results) == 2 and results.ok
    assert results.errors == {}
    results.raise_errors()  # nothing to raise
    assert sorted(results.reports) == clients
    for client, report in results.reports.items():
        assert isinstance(report, rowcol.SyncReport)
        assert (report.client, report.outcome, report.modes) == (client, "synced", ["full"])
        counts = report.counts
        assert counts["applied"] > 50 and counts["api_calls"] >= 1 and counts["dead_lettered"] == 0
        assert counts["fetched"] == counts["applied"] + counts["unchanged"]
        assert isinstance(report.duration, dt.timedelta) and report.duration > dt.timedelta(0)
        d = report.to_dict()
        assert d["realm"] in sim.realm_ids and d["trigger"] == "on_demand"
        assert len(d["changed"]) == counts["applied"]
    assert [c["connections"][0]["realm"] for c in m.portfolio(ADVISOR)] == sim.realm_ids


def test_synced_mirror_is_fresh_and_feeds_the_digest(synced):
    sim, m, clients, _ = synced
    today = sim.now.date()
    digest = m.digest(ADVISOR, today, now=sim.now)
    assert sorted(digest.client_ids) == clients
    assert not any(c["stale"] for c in digest.to_dict()["clients"])
    health = m.health(ADVISOR, clients[0])
    assert health["connection"] == "active" and all(k["last_success"] for k in health["kinds"])


def test_money_from_the_rail_stays_exact(one):
    sim, m, client, realm = one
    created = sim.create(realm, "Bill", {
        "VendorRef": {"value": "1"}, "TxnDate": "2026-01-05", "DueDate": "2026-02-04",
        "TotalAmt": Decimal("0.10"), "Balance": Decimal("0.10"), "Line": [],
    })
    sim.create(realm, "Bill", {
        "VendorRef": {"value": "1"}, "TxnDate": "2026-01-06", "DueDate": "2026-02-05",
        "TotalAmt": "0.20", "Balance": "0.20", "Line": [],
    })
    m.sync(sim.app(), client)
    bills = {b["meta"]["external_id"]: b for b in m.snapshot(ADVISOR, client, sim.now.date()).to_dict()["bills"]}
    first, second = bills[created["Id"]], bills[str(int(created["Id"]) + 1)]
    assert type(first["balance"]["amount"]) is Decimal
    assert first["balance"]["amount"] + second["balance"]["amount"] == Decimal("0.30")
    with pytest.raises(rowcol.InvalidInputError, match="float"):
        sim.create(realm, "Bill", {"TotalAmt": 0.1})


def test_second_sync_is_incremental_and_records_changes_and_deletions(one):
    sim, m, client, realm = one
    app = sim.app()
    assert m.checkpoint(client) is None
    first = m.sync(app, client)
    assert first.modes == ["full"]
    bills = sorted(m.snapshot(ADVISOR, client, sim.now.date()).to_dict()["bills"], key=lambda b: b["meta"]["external_id"])
    gone, changed = bills[0]["meta"]["external_id"], bills[1]["meta"]["external_id"]
    sim.delete(realm, "Bill", gone)
    sim.update(realm, "bill", int(changed), {"PrivateNote": "edited from Python"})

    second = m.sync(app, client)
    assert second.modes == ["incremental"] and second.outcome == "synced"
    assert second.counts["deleted"] == 1 and second.counts["applied"] >= 1
    assert {(c["kind"], c["external_id"]) for c in second["changed"]} >= {("bill", gone), ("bill", changed)}
    position = m.checkpoint(client)["position"]
    assert isinstance(position["incremental"]["cursor"], str)

    runs = m.runs(client)
    assert isinstance(runs, rowcol.SyncRuns) and len(runs) == 2
    assert [r["mode"] for r in runs["runs"]] == ["incremental", "full"]  # newest first
    assert all(r["status"] == "succeeded" and r["finished_at"] >= r["started_at"] for r in runs["runs"])
    assert m.runs(client, limit=1)["runs"][0]["id"] == second["runs"][0]["id"]

    log = m.audit_entries(client, limit=100_000)
    actions = [(e["action"], e["external_id"]) for e in log["entries"]]
    assert ("delete", gone) in actions and ("update", changed) in actions
    assert [e["seq"] for e in log["entries"]] == list(range(1, len(log) + 1))
    page = m.audit_entries(client, after=log.last_seq - 1)
    assert len(page) == 1 and page.last_seq == log.last_seq
    assert m.audit_entries(client, after=log.last_seq).last_seq is None
    verdict = m.verify_audit(client)
    assert verdict == {"client": client, "entries_checked": len(log), "first_broken": None, "intact": True}


def test_dead_letters_are_listed_and_replayed(one):
    sim, m, client, realm = one
    app = sim.app()
    bad = sim.create(realm, "Bill", {
        "VendorRef": {"name": "No id"}, "TxnDate": "2026-01-05", "TotalAmt": "12.00", "Balance": "12.00", "Line": [],
    })
    report = m.sync(app, client)
    assert report.counts["dead_lettered"] == 1
    letters = m.dead_letters(client)
    assert isinstance(letters, rowcol.DeadLetters) and len(letters) == 1
    letter = letters["dead_letters"][0]
    assert letter["rejected"]["external_id"] == bad["Id"] and "VendorRef" in letter["rejected"]["reason"]
    assert letter["attempts"] == 1 and isinstance(letter["first_seen"], dt.datetime)

    assert m.replay_dead_letters(app, client) == {"resolved": 0, "kept": 1}
    sim.update(realm, "Bill", bad["Id"], {"VendorRef": {"value": "1"}})
    assert m.replay_dead_letters(app, client) == {"resolved": 1, "kept": 0}
    assert len(m.dead_letters(client)) == 0
    bills = m.snapshot(ADVISOR, client, sim.now.date()).to_dict()["bills"]
    assert bad["Id"] in {b["meta"]["external_id"] for b in bills}


def test_balance_history_after_a_sync(synced):
    sim, m, clients, _ = synced
    today = sim.now.date()
    history = m.balance_history(ADVISOR, clients[0], today - dt.timedelta(days=7), today)
    assert isinstance(history, rowcol.BalanceHistory) and len(history) >= 1
    point = history["points"][0]
    # Points are dated in the company's own offset (the look-alike's
    # companies are 5 to 8 hours west of UTC), `sim.now` is UTC: between
    # midnight UTC and the company's midnight the point is dated yesterday.
    on = point["on"]
    assert today - dt.timedelta(days=1) <= on <= today and type(point["balance"]["amount"]) is Decimal
    assert len(m.balance_history(ADVISOR, clients[0], on - dt.timedelta(days=30), on - dt.timedelta(days=1))) == 0
    with pytest.raises(rowcol.OutsidePortfolioError):
        m.add_advisor("other", "Other")
        m.balance_history("other", clients[0], today, today)


def test_unknown_client_and_missing_connection_are_not_found(one):
    sim, m, client, _ = one
    m.add_client(ADVISOR, "no-realm", "No realm")
    for who in ("nobody", "no-realm"):
        with pytest.raises(rowcol.NotFoundError) as e:
            m.sync(sim.app(), who)
        assert e.value.client == who and e.value.retryable is False
    with pytest.raises(rowcol.InvalidInputError):
        m.sync(sim.app(), "not an id")


def test_refused_refresh_token_needs_reauth_and_stops_syncing(one):
    sim, m, client, realm = one
    app = sim.app()
    m.save_credentials(client, access_token="SECRET-access", refresh_token="SECRET-refresh",
                       access_expires_at=dt.datetime(2020, 1, 1, tzinfo=dt.timezone.utc))
    with pytest.raises(rowcol.RailError) as e:
        m.sync(app, client)
    err = e.value
    assert (err.kind, err.retryable, err.client, err.realm, err.rail) == ("needs_reauth", False, client, realm, "qbo")
    assert "SECRET" not in str(err)
    assert m.connections()[0]["status"] == "needs_reauth"

    skipped = m.sync(app, client)  # no call is spent on it until the user reconnects
    assert skipped.outcome == "not_active" and skipped["connection_status"] == "needs_reauth"
    assert skipped.counts["api_calls"] == 0 and skipped.modes == []

    sim.register(m, ADVISOR)  # reconnect: fresh tokens, connection active again
    assert m.sync(app, client).outcome == "synced"
    m.set_connection_status(client, "disabled")
    assert m.sync(app, client)["connection_status"] == "disabled"
    with pytest.raises(rowcol.InvalidInputError, match="status"):
        m.set_connection_status(client, "paused")
    with pytest.raises(rowcol.NotFoundError):
        m.set_connection_status(client, "active", rail="stripe")


def test_rail_outage_is_retryable_and_other_clients_still_sync(tmp_path):
    with rowcol.LookAlike(clients=2, size="empty") as sim:
        m = rowcol.Mirror.open(f"sqlite:///{tmp_path}/outage.db", ephemeral=True)
        clients = sim.register(m, ADVISOR)
        down = sim.realm_ids[0]
        sim.set_faults(down, error_503=1.0)
        app = sim.app(max_attempts=1)  # give up at once: the error is what is tested

        with pytest.raises(rowcol.RailError) as e:
            m.sync(app, clients[0])
        err = e.value
        assert (err.kind, err.retryable, err.http_status) == ("transient", True, 503)
        assert (err.client, err.realm) == (clients[0], down)
        assert m.runs(clients[0])["runs"][0]["status"] == "failed"

        results = m.sync_all(app, advisor=ADVISOR, concurrency=2)
        assert not results.ok and len(results) == 2
        assert list(results.errors) == [clients[0]] and list(results.reports) == [clients[1]]
        failed = results.errors[clients[0]]
        assert isinstance(failed, rowcol.RailError) and failed.retryable and failed.realm == down
        with pytest.raises(rowcol.RailError):
            results.raise_errors()
        entry = next(e for e in results["results"] if e["failure"])
        assert entry["failure"]["error_type"] == "RailError" and entry["failure"]["kind"] == "transient"

        sim.clear_faults(down)
        assert m.sync_all(app).ok


def test_expired_access_token_is_refreshed_and_the_sync_goes_on(one):
    sim, m, client, realm = one
    m.sync(sim.app(), client)
    sim.expire_access_tokens(realm)
    assert m.sync(sim.app(), client).outcome == "synced"


def test_gil_is_released_while_syncing(tmp_path):
    with rowcol.LookAlike(clients=2, size="small", seed=3) as sim:
        m = rowcol.Mirror.open(f"sqlite:///{tmp_path}/gil.db", ephemeral=True)
        sim.register(m, ADVISOR)
        done = threading.Event()
        ticks = 0

        def work():
            m.sync_all(sim.app())
            done.set()

        t = threading.Thread(target=work)
        start = time.perf_counter()
        t.start()
        while not done.is_set():
            ticks += 1
        t.join()
        elapsed = time.perf_counter() - start
        # Python kept running beside the sync: with the GIL held it could
        # only tick at switch intervals (a few hundred times a second at most).
        assert elapsed > 0.05
        assert ticks / elapsed > 5_000, (ticks, elapsed)


def test_qbo_app_keeps_its_secret():
    app = rowcol.QboApp("my-app-id", "SECRET-value", redirect_uri="https://example.com/cb", max_attempts=3)
    assert app.client_id == "my-app-id" and app.max_attempts == 3
    assert app.api_base.startswith("https://") and "quickbooks" in app.api_base
    assert "SECRET" not in repr(app) and "my-app-id" in repr(app)
    assert rowcol.QboApp.look_alike("http://127.0.0.1:9", base_delay=dt.timedelta(milliseconds=1)).max_attempts == 6
    with pytest.raises(rowcol.InvalidInputError, match="max_attempts"):
        rowcol.QboApp.look_alike("http://127.0.0.1:9", max_attempts=0)
    with pytest.raises(rowcol.InvalidInputError, match="configuration"):
        rowcol.QboApp.look_alike("not a url")


def test_look_alike_levers_and_lifecycle():
    sim = rowcol.LookAlike(clients=2, size="empty", seed=1)
    try:
        assert sim.running and sim.base_url.startswith("http://127.0.0.1:")
        assert len(sim.realm_ids) == 2 and sim.now.tzinfo is not None
        assert sim.app().api_base.rstrip("/") == sim.base_url
        assert sim.app() is sim.app() and sim.app(max_attempts=2) is not sim.app()
        assert "running=true" in repr(sim).lower()
        with pytest.raises(rowcol.InvalidInputError, match="kind"):
            sim.create(sim.realm_ids[0], "Widget", {})
        with pytest.raises(rowcol.InvalidInputError, match="unknown realm"):
            sim.delete("123", "Bill", 1)
        with pytest.raises(rowcol.InvalidInputError, match="digits"):
            sim.delete(sim.realm_ids[0], "Bill", "abc")
        with pytest.raises(rowcol.InvalidInputError, match="share"):
            sim.set_faults(sim.realm_ids[0], error_500=1.5)
    finally:
        sim.stop()
    assert not sim.running
    sim.stop()  # idempotent
    with pytest.raises(OSError, match="stopped"):
        sim.realm_ids
    with pytest.raises(rowcol.InvalidInputError, match="size"):
        rowcol.LookAlike(clients=1, size="huge")


def test_frames_of_sync_results_and_history(synced, one):
    pd = pytest.importorskip("pandas")
    sim, m, clients, results = synced
    frame = results.to_pandas()
    assert frame.shape == (2, 15) and sorted(frame["client"]) == clients
    assert set(frame["outcome"]) == {"synced"} and frame["error"].isna().all()
    one_row = results.reports[clients[0]].to_pandas()
    assert list(one_row.columns) == list(frame.columns) and len(one_row) == 1
    assert one_row.loc[0, "modes"] == "full"
    runs = m.runs(clients[0]).to_pandas()
    assert runs.shape == (1, 15) and runs.loc[0, "status"] == "succeeded"
    audit = m.audit_entries(clients[0], limit=5).to_pandas()
    assert audit.shape == (5, 11) and list(audit["seq"]) == [1, 2, 3, 4, 5]
    today = sim.now.date()
    balances = m.balance_history(ADVISOR, clients[0], today, today).to_pandas(money="decimal")
    assert list(balances.columns) == ["client", "account", "on", "balance", "currency"]
    assert all(type(v) is Decimal for v in balances["balance"])
    empty = m.dead_letters(clients[0]).to_pandas()
    assert empty.shape == (0, 9) and "reason" in empty.columns
    sim1, m1, client1, realm1 = one
    sim1.set_faults(realm1, error_503=1.0)
    failed = m1.sync_all(sim1.app(max_attempts=1)).to_pandas()
    assert failed.loc[0, "outcome"] == "failed" and failed.loc[0, "retryable"] == True  # noqa: E712
    assert failed.loc[0, "error_type"] == "RailError" and failed.loc[0, "error_kind"] == "transient"


def test_async_mirror_syncs_too(tmp_path):
    import asyncio

    async def main(sim):
        m = await rowcol.aio.AsyncMirror.open(f"sqlite:///{tmp_path}/aio.db", ephemeral=True)
        sim.register(m.mirror, ADVISOR)
        return await m.sync(sim.app(), "client-001")

    with rowcol.LookAlike(clients=1, size="empty") as sim:
        report = asyncio.run(main(sim))
    assert report.outcome == "synced" and report.modes == ["full"]


def test_verify_audit_finds_a_forged_entry(one, tmp_path):
    import sqlite3

    sim, m, client, _ = one
    m.sync(sim.app(), client)
    assert m.verify_audit(client)["intact"] is True
    db = sqlite3.connect(tmp_path / "one.db")
    with db:  # the table refuses updates, so a forger with the file drops that guard first
        db.execute("DROP TRIGGER audit_log_no_update")
        db.execute("UPDATE audit_log SET version = 'forged' WHERE client_id = ? AND seq = 3", (client,))
    db.close()
    verdict = m.verify_audit(client)
    assert (verdict["intact"], verdict["first_broken"], verdict["entries_checked"]) == (False, 3, 3)


def test_sync_into_postgresql_when_configured():
    import os

    url = os.environ.get("ROWCOL_TEST_POSTGRES_URL")
    if not url:
        pytest.skip("ROWCOL_TEST_POSTGRES_URL not set: sync into PostgreSQL was NOT exercised from Python")
    with rowcol.LookAlike(clients=1, size="small", seed=11) as sim:
        m = rowcol.Mirror.open(url, ephemeral=True)
        (client,) = sim.register(m, "py-sync-advisor", prefix="py-sync-")
        report = m.sync(sim.app(), client)
        assert report.outcome == "synced" and report.counts["dead_lettered"] == 0
        assert m.sync(sim.app(), client).modes == ["incremental"]
        assert m.verify_audit(client)["intact"] is True
        assert m.runs(client, limit=2)["runs"][0]["status"] == "succeeded"


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_a_refused_connection_fails_at_once(one):
    # Before: 45 to 62 s of retries against a port nobody listens on.
    _, m, client, _ = one
    dead = rowcol.QboApp.look_alike(f"http://127.0.0.1:{free_port()}")
    started = time.monotonic()
    with pytest.raises(rowcol.RailError, match="could not connect .*nothing listens there") as err:
        m.sync(dead, client)
    assert time.monotonic() - started < 5
    assert err.value.client == client and err.value.kind == "transient" and err.value.retryable
    with pytest.raises(rowcol.RailError, match="could not connect"):
        m.sync_all(dead)


def slow(sim, realm):
    """Every call answers 503 and the app waits long between retries."""
    sim.set_faults(realm, error_503=1.0)
    return sim.app(max_attempts=50, base_delay=dt.timedelta(seconds=2))


def test_timeout_stops_a_sync_with_a_retryable_timeout_error(one):
    sim, m, client, realm = one
    app = slow(sim, realm)
    started = time.monotonic()
    with pytest.raises(rowcol.RailError, match=r"did not finish within timeout=0.5 s") as err:
        m.sync(app, client, timeout=0.5)
    assert time.monotonic() - started < 3
    assert err.value.kind == "timeout" and err.value.retryable and err.value.client == client
    with pytest.raises(rowcol.RailError, match="timeout=0.3 s"):
        m.sync_all(app, timeout=dt.timedelta(milliseconds=300))
    sim.clear_faults(realm)
    assert m.sync(sim.app(), client).outcome == "synced"  # nothing left held


def test_ctrl_c_interrupts_a_sync(one):
    # Before: Jupyter's "interrupt kernel" was ignored until the sync ended.
    import _thread

    sim, m, client, realm = one
    app = slow(sim, realm)
    timer = threading.Timer(0.5, _thread.interrupt_main)
    started = time.monotonic()
    timer.start()
    try:
        with pytest.raises(KeyboardInterrupt):
            m.sync(app, client)
    finally:
        timer.cancel()
    assert time.monotonic() - started < 3
    sim.clear_faults(realm)
    assert m.sync(sim.app(), client).outcome == "synced"


def test_progress_bar_when_tqdm_is_installed_and_a_warning_when_not(one, capsys, monkeypatch):
    import sys

    sim, m, client, _ = one
    try:
        import tqdm  # noqa: F401
    except ImportError:
        tqdm = None
    if tqdm is not None:
        m.sync_all(sim.app(), progress=True)
        assert "1/1" in capsys.readouterr().err
    monkeypatch.setitem(sys.modules, "tqdm.auto", None)
    with pytest.warns(UserWarning, match="pip install tqdm"):
        assert m.sync(sim.app(), client, progress=True).outcome == "synced"


def test_look_alike_app_after_stop_raises():
    sim = rowcol.LookAlike(clients=1, size="empty")
    sim.app()
    sim.stop()
    # Before: a dead app came back, and the sync failed later.
    with pytest.raises(OSError, match="stopped"):
        sim.app()
