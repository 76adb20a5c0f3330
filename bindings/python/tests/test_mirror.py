"""The mirror from Python: URLs, registry, apply, reads and figures."""

import datetime as dt
import os
from decimal import Decimal

import pytest

import rowcol
from rowcol import records as r

from conftest import AS_OF, SYNCED, client_records


def test_urls_name_one_file_as_the_rowcol_command_reads_them(tmp_path, monkeypatch):
    rowcol.Mirror.open(f"sqlite://{tmp_path}/three.db", ephemeral=True)  # sqlite:/// + absolute path
    assert (tmp_path / "three.db").exists()
    rowcol.Mirror.open(f"sqlite:///{tmp_path}/four.db", ephemeral=True)  # SQLAlchemy's four slashes: same
    assert (tmp_path / "four.db").exists()
    monkeypatch.chdir(tmp_path)
    rowcol.Mirror.open("sqlite://rel.db", ephemeral=True)  # two slashes: relative
    assert (tmp_path / "rel.db").exists()
    for url in ("sqlite::memory:", "sqlite://", ":memory:"):
        m = rowcol.Mirror.open(url, ephemeral=True)
        assert m.backend == "sqlite" and repr(m) == 'Mirror(backend="sqlite")'


@pytest.mark.parametrize("url, says", [
    ("plain.db", "`plain.db`: a path, not a database URL; write sqlite://plain.db"),
    ("sqlite:/x", "`sqlite:/x`: not a database URL"),
    ("::::", "not a database URL"),
    ("mysql://root:hunter2@db/x", "unknown scheme `mysql`"),
    ("", "empty"),
])
def test_mistyped_urls_open_nothing_and_say_what_was_understood(tmp_path, monkeypatch, url, says):
    monkeypatch.chdir(tmp_path)
    with pytest.raises(rowcol.InvalidInputError) as e:
        rowcol.Mirror.open(url, ephemeral=True)
    assert says in str(e.value) and "hunter2" not in str(e.value)
    assert list(tmp_path.iterdir()) == []


def test_portfolio_lists_clients_with_connections(mirror):
    clients = mirror.portfolio("jane-cfo")
    assert [c["id"] for c in clients] == ["acme", "bolt"]
    assert clients[0]["connections"] == [{"client": "acme", "rail": "qbo", "realm": "9130", "status": "active"}]
    assert clients[0]["home_currency"] == "USD"


def test_apply_is_idempotent_and_newer_versions_win(mirror):
    again = mirror.apply("acme", client_records("acme"))
    assert again["inserted"] == 0 and again["updated"] == 0 and again["unchanged"] == len(client_records())
    newer = r.bill("acme", "b1", Decimal("1500.01"), txn_date=dt.date(2026, 7, 1), version="1",
                   updated_at=dt.datetime(2026, 7, 2, tzinfo=dt.timezone.utc))
    assert mirror.apply("acme", [newer])["updated"] == 1
    bills = {b["meta"]["external_id"]: b for b in mirror.snapshot("jane-cfo", "acme", AS_OF).to_dict()["bills"]}
    assert bills["b1"]["txn"]["total"]["amount"] == Decimal("1500.01")


def test_amounts_keep_their_exact_digits_through_the_database(mirror):
    mirror.apply("acme", [r.invoice("acme", "i9", "0.30000000000000000004", txn_date=AS_OF)])
    inv = {i["meta"]["external_id"]: i for i in mirror.snapshot("jane-cfo", "acme", AS_OF).to_dict()["invoices"]}
    assert inv["i9"]["balance"]["amount"] == Decimal("0.30000000000000000004")
    assert inv["i1"]["balance"]["amount"] + inv["i2"]["balance"]["amount"] == Decimal("0.3")


def test_figures_from_the_mirror_match_the_same_data_in_memory(mirror):
    plain = rowcol.Snapshot.from_records("acme", client_records("acme"), AS_OF)
    assert mirror.runway("jane-cfo", "acme", AS_OF).to_dict() == plain.runway().to_dict()
    assert mirror.forecast("jane-cfo", "acme", AS_OF).to_dict() == plain.forecast().to_dict()
    assert mirror.outlook("jane-cfo", "acme", AS_OF).to_dict() == plain.outlook().to_dict()
    assert mirror.tray("jane-cfo", "acme", AS_OF).to_dict()["counts"] == plain.tray().to_dict()["counts"]
    console = mirror.console("jane-cfo", "acme", AS_OF).to_dict()
    assert [b["bill"]["id"] for b in console["pay_now"]] == [b["bill"]["id"] for b in plain.console().to_dict()["pay_now"]]


def test_digest_and_portfolio_from_the_mirror(mirror):
    p = mirror.load_portfolio("jane-cfo", AS_OF)
    assert p.client_ids == ["acme", "bolt"]
    d = mirror.digest("jane-cfo", AS_OF, now=SYNCED)
    assert sorted(d.client_ids) == ["acme", "bolt"]
    # Never synced by a sync engine: every figure says it is stale.
    assert all(c["stale"] for c in d.to_dict()["clients"])


def test_health_and_settings(mirror):
    health = mirror.health("jane-cfo", "acme")
    assert health["client"] == "acme" and health["connection"] == "active"
    assert mirror.settings("jane-cfo", "acme")["burn_window_months"] == 3
    mirror.save_settings("jane-cfo", "acme", {"guardrail": {"fixed": {"amount": "12345.67", "currency": "USD"}},
                                               "close_date": dt.date(2026, 6, 30)})
    s = mirror.settings("jane-cfo", "acme")
    assert s["guardrail"] == {"fixed": {"amount": Decimal("12345.67"), "currency": "USD"}}
    assert s["close_date"] == dt.date(2026, 6, 30)


def test_reads_are_scoped_to_the_advisor(mirror):
    mirror.add_advisor("other", "Other")
    with pytest.raises(rowcol.OutsidePortfolioError) as e:
        mirror.snapshot("other", "acme", AS_OF)
    assert isinstance(e.value, rowcol.StoreError) and e.value.retryable is False
    assert e.value.kind == "outside_portfolio"
    with pytest.raises(rowcol.NotFoundError):
        mirror.portfolio("nobody")


def test_unknown_advisor_for_a_client_is_refused(mirror):
    with pytest.raises(rowcol.RowcolError) as e:
        mirror.add_client("ghost", "acme2", "Acme 2")
    assert e.value.retryable is False


def test_credentials_open_only_with_their_key(tmp_path):
    key = "11" * 32
    url = f"sqlite:///{tmp_path}/creds.db"
    m = rowcol.Mirror.open(url, key_hex=key)
    m.add_advisor("jane-cfo", "Jane")
    m.add_client("jane-cfo", "acme", "Acme", realm="9130")
    assert m.has_credentials("acme") is False
    m.save_credentials("acme", access_token="SECRET-a", refresh_token="SECRET-r",
                       access_expires_at=SYNCED + dt.timedelta(hours=1))
    assert m.has_credentials("acme") is True
    other = rowcol.Mirror.open(url, key_hex="22" * 32)
    with pytest.raises(rowcol.WrongKeyError) as e:
        other.has_credentials("acme")
    assert "SECRET" not in str(e.value)
    with pytest.raises(rowcol.RowcolError):
        rowcol.Mirror.open(url, key_hex="not hex")


def test_bad_input_is_refused_before_the_database(mirror):
    with pytest.raises(rowcol.InvalidInputError):
        mirror.snapshot("jane-cfo", "no spaces allowed", AS_OF)
    with pytest.raises(rowcol.InvalidInputError):
        mirror.add_client("jane-cfo", "x", "X", home_currency="dollars")
    with pytest.raises(rowcol.InvalidInputError, match="float"):
        mirror.apply("acme", [r.bill("acme", "b7", 12.5, txn_date=AS_OF)])
    with pytest.raises(rowcol.InvalidInputError, match="rail"):
        mirror.apply("acme", [], rail="xero")


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs fork()")
def test_runtime_is_recreated_after_fork(mirror, tmp_path):
    pid = os.fork()
    if pid == 0:  # child: a fresh mirror works, the parent's refuses clearly
        code = 0
        try:
            m = rowcol.Mirror.open(f"sqlite:///{tmp_path}/child.db", ephemeral=True)
            m.add_advisor("kid", "Kid")
            try:
                mirror.portfolio("jane-cfo")
                code = 2
            except rowcol.StoreError as e:
                code = 0 if "fork" in str(e) and e.retryable else 3
        except BaseException:
            code = 4
        os._exit(code)
    _, status = os.waitpid(pid, 0)
    assert os.waitstatus_to_exitcode(status) == 0
    assert mirror.portfolio("jane-cfo")  # the parent's mirror still works


def test_postgresql_when_configured():
    url = os.environ.get("ROWCOL_TEST_POSTGRES_URL")
    if not url:
        pytest.skip("ROWCOL_TEST_POSTGRES_URL not set: the PostgreSQL backend was NOT exercised from Python")
    m = rowcol.Mirror.open(url, ephemeral=True)
    assert m.backend == "postgresql"
    m.add_advisor("py-test-advisor", "Py")
    m.add_client("py-test-advisor", "py-acme", "Acme", realm="9130")
    m.apply("py-acme", client_records("py-acme"))
    plain = rowcol.Snapshot.from_records("py-acme", client_records("py-acme"), AS_OF)
    assert m.outlook("py-test-advisor", "py-acme", AS_OF).to_dict() == plain.outlook().to_dict()
    assert m.digest("py-test-advisor", AS_OF, now=SYNCED).client_ids == ["py-acme"]


def test_unreachable_database_is_retryable_and_never_shows_the_password():
    with pytest.raises(rowcol.StoreError) as e:
        rowcol.Mirror.open("postgresql://user:SECRETPW@127.0.0.1:1/db", ephemeral=True)
    assert e.value.retryable is True and e.value.kind == "unavailable"
    assert "SECRETPW" not in str(e.value) and "SECRETPW" not in repr(e.value)


def test_unopenable_sqlite_file_is_a_store_error_naming_the_path(tmp_path):
    with pytest.raises(rowcol.StoreError) as e:
        rowcol.Mirror.open(f"sqlite:///{tmp_path}/missing-dir/x.db", ephemeral=True)
    assert e.value.kind == "unavailable" and e.value.retryable is True
    assert f"{tmp_path}/missing-dir" in str(e.value)


def test_reviews_quiet_findings_until_the_record_changes(mirror):
    tray = mirror.tray("jane-cfo", "acme", AS_OF).to_dict()
    finding = tray["findings"][0]
    subject = finding["entities"][0]
    mirror.save_review("jane-cfo", "acme", rule_id=finding["rule_id"], kind=subject["kind"],
                       external_id=subject["id"], version=subject["version"], decision="approved", at=SYNCED)
    after = mirror.tray("jane-cfo", "acme", AS_OF).to_dict()
    assert len(after["findings"]) == len(tray["findings"]) - 1
    assert after["quiet_approved"] == 1
    with pytest.raises(rowcol.InvalidInputError, match="decision"):
        mirror.save_review("jane-cfo", "acme", rule_id="x", kind="bill", external_id="b1", version="0", decision="maybe")
    with pytest.raises(rowcol.InvalidInputError, match="entity kind"):
        mirror.save_review("jane-cfo", "acme", rule_id="x", kind="widget", external_id="b1", version="0", decision="approved")


def test_open_without_a_key_is_refused_unless_asked_for(tmp_path, monkeypatch):
    # Before: a throwaway key was made silently, and after a kernel restart
    # every sync raised WrongKeyError.
    monkeypatch.delenv("ROWCOL_CREDENTIAL_KEY", raising=False)
    url = f"sqlite:///{tmp_path}/k.db"
    with pytest.raises(rowcol.InvalidInputError, match=r"key_hex=.*ROWCOL_CREDENTIAL_KEY.*ephemeral=True"):
        rowcol.Mirror.open(url)
    with pytest.raises(rowcol.InvalidInputError, match="not both"):
        rowcol.Mirror.open(url, "ab" * 32, ephemeral=True)
    assert rowcol.Mirror.open(url, ephemeral=True).backend == "sqlite"


def test_the_key_can_come_from_the_environment_as_for_the_rowcol_command(tmp_path, monkeypatch):
    key = "cd" * 32
    url = f"sqlite:///{tmp_path}/env.db"
    with rowcol.Mirror.open(url, key) as m:
        m.add_advisor("a", "A")
        m.add_client("a", "acme", "Acme", realm="1")
        m.save_credentials("acme", access_token="t", refresh_token="r",
                           access_expires_at=dt.datetime(2030, 1, 1, tzinfo=dt.timezone.utc))
    monkeypatch.setenv("ROWCOL_CREDENTIAL_KEY", key)
    assert rowcol.Mirror.open(url).has_credentials("acme")  # after a "restart", same key
    monkeypatch.setenv("ROWCOL_CREDENTIAL_KEY", "ef" * 32)
    with pytest.raises(rowcol.WrongKeyError):
        rowcol.Mirror.open(url).has_credentials("acme")


def test_close_and_with_release_the_mirror(tmp_path):
    with rowcol.Mirror.open(f"sqlite:///{tmp_path}/c.db", ephemeral=True) as m:
        m.add_advisor("a", "A")
        assert not m.closed
    assert m.closed
    with pytest.raises(rowcol.StoreError, match="closed"):
        m.portfolio("a")
    m.close()  # twice is fine
    with pytest.raises(ZeroDivisionError):
        with rowcol.Mirror.open(f"sqlite:///{tmp_path}/c.db", ephemeral=True) as again:
            1 / 0
    assert again.closed
