"""The bank from Python: balances with their age (from the mirror, live
from the QBO look-alike, and from the mirror flagged stale when QBO is
down), the books checked against a bank feed, and decisions on its lines."""

import datetime as dt
import pickle
from decimal import Decimal

import pytest

import rowcol

from conftest import AS_OF
from test_conversion import check as converts_fully

ADVISOR = "jane-cfo"
STAMP = dt.datetime(2026, 7, 14, 12, 0, tzinfo=dt.timezone.utc)


def _meta(client, id):
    return {"client": client, "rail": "plaid", "external_id": id, "version": "1", "created_at": STAMP,
            "updated_at": STAMP, "deleted": False}


def _usd(amount):
    return {"amount": Decimal(amount), "currency": "USD"}


def bank_feed(client="acme"):
    """Plaid's view of acme's Checking: the June deposit (a round amount:
    left for review) and rent as the books hold them, and a bank fee the
    books miss."""
    account = {"bank_account": {
        "meta": _meta(client, "plaid-chk"), "name": "Checking", "official_name": None, "mask": "0000",
        "account_type": "bank", "sub_type": "checking", "current": _usd("25000.10"),
        "available": _usd("25000.10"), "limit": None, "balance_as_of": STAMP,
    }}

    def line(id, day, amount, name):
        return {"bank_transaction": {
            "meta": _meta(client, id), "account": "plaid-chk", "date": day, "authorized_date": None,
            "amount": _usd(amount), "pending": False, "pending_transaction_id": None, "name": name,
            "merchant_name": None,
        }}

    return [
        account,
        line("dep-6", dt.date(2026, 6, 5), "1000.00", "DEPOSIT"),
        line("rent-6", dt.date(2026, 6, 6), "-3000.05", "ACH LANDLORD"),
        line("fee-7", dt.date(2026, 7, 1), "-12.50", "MONTHLY SERVICE FEE"),
    ]


@pytest.fixture
def banked(mirror):
    mirror.apply("acme", bank_feed(), rail="plaid")
    return mirror


def test_bank_check_matches_the_feed_and_frames_every_line(banked):
    check = banked.bank_check(ADVISOR, "acme", AS_OF)
    assert isinstance(check, rowcol.BankCheck) and check.linked_accounts == 1
    assert check["summary"]["unrecorded"] == 1
    df = check.to_pandas()
    assert list(df.columns) == ["client", "as_of", "bank_account", "ledger_account", "status", "item", "date",
                                "amount", "currency", "detail"]
    by_item = df.set_index("item")
    assert by_item.loc["rent-6", "status"] == "matched"
    deposit = by_item.loc["dep-6"]
    assert deposit["status"] == "review" and deposit["detail"] == "round_amount: deposit:d6", "never auto-matched"
    fee = by_item.loc["fee-7"]
    assert (fee["status"], fee["amount"], fee["detail"]) == ("unrecorded", -12.5, "record_bank_fee")
    assert set(df["client"]) == {"acme"} and set(df["ledger_account"]) == {"1"}
    assert check.unexplained == check["summary"]["unexplained"]["amount"]
    assert "BankCheck(" in repr(check) and "<table" in check._repr_html_()
    converts_fully(check)
    assert pickle.loads(pickle.dumps(check)) == check


def test_review_bank_line_records_decisions_the_check_applies(banked):
    banked.review_bank_line(ADVISOR, "acme", "fee-7", "exclude")
    after = banked.bank_check(ADVISOR, "acme", AS_OF)
    assert after["summary"]["unrecorded"] == 0
    assert after.to_pandas().set_index("item").loc["fee-7", "status"] == "excluded"

    banked.review_bank_line(ADVISOR, "acme", "fee-7", "approve", postings=["purchase:p6"])
    approved = banked.bank_check(ADVISOR, "acme", AS_OF).to_pandas().set_index("item")
    assert approved.loc["fee-7", "status"] == "matched" and approved.loc["fee-7", "detail"].startswith("decision")

    with pytest.raises(rowcol.InvalidInputError, match="no bank line nope"):
        banked.review_bank_line(ADVISOR, "acme", "nope", "exclude")
    with pytest.raises(rowcol.InvalidInputError, match="the books hold no deposit zz"):
        banked.review_bank_line(ADVISOR, "acme", "fee-7", "approve", postings=["deposit:zz"])
    with pytest.raises(rowcol.InvalidInputError, match="expected KIND:ID"):
        banked.review_bank_line(ADVISOR, "acme", "fee-7", "approve", postings=["p6"])
    with pytest.raises(rowcol.InvalidInputError, match="fixed_at_source"):
        banked.review_bank_line(ADVISOR, "acme", "fee-7", "ignore")
    assert banked.verify_audit("acme")["intact"] is True


def test_balances_from_the_mirror_list_books_and_bank_with_their_source(banked):
    b = banked.balances(ADVISOR, "acme")
    assert isinstance(b, rowcol.Balances) and not b.fell_back and len(b) == 3
    df = b.to_pandas()
    assert list(df["rail"]) == ["qbo", "qbo", "plaid"]
    assert set(df["source"]) == {"mirror"} and df["stale"].isna().all()
    bank = df[df["rail"] == "plaid"].iloc[0]
    assert bank["balance"] == 25000.10 and bank["as_of"] == STAMP
    converts_fully(b)
    with pytest.raises(rowcol.InvalidInputError, match="app="):
        banked.balances(ADVISOR, "acme", live=True)


def test_live_balances_read_qbo_now_and_fall_back_to_the_mirror_when_it_is_down(tmp_path):
    with rowcol.LookAlike(clients=1, size="small", seed=3) as sim:
        m = rowcol.Mirror.open(f"sqlite:///{tmp_path}/live.db", ephemeral=True)
        (client,) = sim.register(m, ADVISOR)
        m.sync(sim.app(), client)
        live = m.balances(ADVISOR, client, live=True, app=sim.app())
        assert not live.fell_back and {a["source"] for a in live["accounts"]} == {"live"}
        assert live["rails"][0]["outcome"]["outcome"] == "read"
        today = sim.now.date()
        history = m.balance_history(ADVISOR, client, today - dt.timedelta(days=1), today + dt.timedelta(days=1))
        assert {p["account"] for p in history["points"]} >= {a["account"] for a in live["accounts"]}

        sim.set_faults(sim.realm_ids[0], error_503=1.0)
        down = m.balances(ADVISOR, client, live=True, app=sim.app(max_attempts=1))
        assert down.fell_back
        assert all(a["source"] == "mirror" and "503" in a["stale"] for a in down["accounts"])
        outcome = down["rails"][0]["outcome"]
        assert outcome["outcome"] == "fell_back" and outcome["retryable"]


def _public_token(bank, username):
    """A Link public token from the look-alike's /sandbox/public_token/create."""
    import json
    import urllib.request

    body = json.dumps({"client_id": "sim-client-id", "secret": "sim-secret", "institution_id": "ins_109508",
                       "initial_products": ["transactions"], "options": {"override_username": username}})
    request = urllib.request.Request(f"{bank.base_url}/sandbox/public_token/create", data=body.encode(),
                                     headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request) as answer:
        return json.load(answer)["public_token"]


def test_a_linked_bank_is_read_live_and_falls_back_when_the_bank_is_down(banked):
    with rowcol.PlaidLookAlike() as bank:
        bank.add_bank("acme")
        plaid = bank.app()
        assert "secret" not in repr(plaid)
        connection = banked.link_bank(plaid, ADVISOR, "acme", _public_token(bank, "acme"))
        assert connection["rail"] == "plaid" and connection["status"] == "active"
        assert {c["rail"] for c in banked.portfolio(ADVISOR)[0]["connections"]} == {"qbo", "plaid"}

        live = banked.balances(ADVISOR, "acme", live=True, plaid=plaid)
        outcomes = {r["rail"]: r["outcome"]["outcome"] for r in live["rails"]}
        assert outcomes == {"plaid": "read", "qbo": "fell_back"}, "no QBO app given: the books are the mirror's"
        read = [a for a in live["accounts"] if a["source"] == "live"]
        assert {a["rail"] for a in read} == {"plaid"} and len(read) == 2

        bank.add_fault("INSTITUTION_DOWN", endpoint="/accounts/balance/get")
        down = banked.balances(ADVISOR, "acme", live=True, plaid=plaid)
        assert down.fell_back
        stale = [a for a in down["accounts"] if a["rail"] == "plaid" and a["source"] == "mirror"]
        assert stale and all("INSTITUTION_DOWN" in a["stale"] for a in stale)
        with pytest.raises(rowcol.InvalidInputError, match="environment|URL"):
            rowcol.PlaidApp("id", "s3cret", environment="not a url")
