"""Drives the unmodified python-quickbooks client (PyPI) against qbo-sim.

The test starts the `qbo-sim` binary itself: its path comes from QBO_SIM_BIN,
or is looked up in the Cargo target directory. Nothing in the library is
patched: the OAuth client is pointed at the look-alike through its discovery
URL, and the QuickBooks client's API base URL is overridden on the instance.
"""

import os
import pathlib
import subprocess
import time
from datetime import datetime, timedelta, timezone
from decimal import Decimal
from urllib.parse import parse_qs, urlparse

import pytest
import requests
from intuitlib.client import AuthClient
from intuitlib.enums import Scopes
from quickbooks import QuickBooks
from quickbooks.cdc import change_data_capture
from quickbooks.objects.bill import Bill
from quickbooks.objects.invoice import Invoice

# The look-alike serves plain HTTP on loopback; oauthlib (under requests-oauthlib,
# which python-quickbooks uses) refuses non-HTTPS URLs unless told otherwise by
# this documented switch. No library code is changed.
os.environ["OAUTHLIB_INSECURE_TRANSPORT"] = "1"

REPO = pathlib.Path(__file__).resolve().parents[3]
CLIENT_ID = "sim-client-id"
CLIENT_SECRET = "sim-client-secret"
REDIRECT = "http://localhost:8000/callback"


def find_binary():
    explicit = os.environ.get("QBO_SIM_BIN")
    if explicit:
        return explicit
    dirs = [os.environ.get("CARGO_TARGET_DIR"), str(REPO / "target")]
    for d in filter(None, dirs):
        candidate = pathlib.Path(d) / "debug" / "qbo-sim"
        if candidate.exists():
            return str(candidate)
    raise RuntimeError("qbo-sim binary not found: build it (scripts/test-python does) or set QBO_SIM_BIN")


@pytest.fixture(scope="module")
def sim():
    proc = subprocess.Popen(
        [find_binary(), "--bind", "127.0.0.1:0", "--realms", "2", "--size", "small", "--seed", "7"],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    try:
        line = proc.stdout.readline()
        assert line.startswith("qbo-sim listening on "), line
        parts = line.split()
        base = parts[3]
        realms = parts[4].split("=", 1)[1].split(",")
        yield base, realms[0]
    finally:
        proc.terminate()
        proc.wait(timeout=10)


@pytest.fixture(scope="module")
def qb(sim):
    base, realm = sim
    auth = AuthClient(CLIENT_ID, CLIENT_SECRET, REDIRECT, base + "/.well-known/openid_configuration")
    url = auth.get_authorization_url([Scopes.ACCOUNTING])
    redirect = requests.get(url, allow_redirects=False, timeout=10)
    assert redirect.status_code == 302
    params = parse_qs(urlparse(redirect.headers["Location"]).query)
    assert params["realmId"] == [realm]
    auth.get_bearer_token(params["code"][0], realm_id=realm)
    assert auth.access_token and auth.refresh_token
    client = QuickBooks(
        auth_client=auth,
        refresh_token=auth.refresh_token,
        company_id=realm,
        minorversion=75,
        use_decimal=True,
    )
    # Point this instance (not the library) at the look-alike.
    client.api_url_v3 = base + "/v3"
    client.sandbox_api_url_v3 = base + "/v3"
    return client


def truth(base, realm):
    return requests.get(f"{base}/_sim/realms/{realm}/truth", timeout=10).json()


def admin_row(base, realm, kind, ident):
    return requests.get(f"{base}/_sim/realms/{realm}/entities/{kind}/{ident}", timeout=10).json()


def page_all(cls, qb, page):
    rows, start = [], 1
    while True:
        batch = cls.query(f"SELECT * FROM {cls.qbo_object_name} ORDERBY Id STARTPOSITION {start} MAXRESULTS {page}", qb=qb)
        rows.extend(batch)
        if len(batch) < page:
            return rows
        start += page


@pytest.mark.parametrize("cls,kind", [(Bill, "Bill"), (Invoice, "Invoice")])
def test_pages_through_every_row_with_exact_amounts(sim, qb, cls, kind):
    base, realm = sim
    rows = page_all(cls, qb, 7)
    expected = truth(base, realm)["kinds"][kind]
    assert sorted(r.Id for r in rows) == sorted(expected["live"].keys())
    assert len(rows) == expected["count"] > 7
    for r in rows[:10]:
        source = admin_row(base, realm, kind.lower(), r.Id)
        assert Decimal(str(r.TotalAmt)) == Decimal(str(source["TotalAmt"]))
        assert r.SyncToken == source["SyncToken"]
    assert sum(Decimal(str(r.TotalAmt)) for r in rows) == Decimal(str(expected["total_amt"]))


def test_reads_one_invoice_by_id(sim, qb):
    base, realm = sim
    first = Invoice.query("SELECT * FROM Invoice MAXRESULTS 1", qb=qb)[0]
    again = Invoice.get(first.Id, qb=qb)
    assert again.Id == first.Id
    assert again.TotalAmt == first.TotalAmt
    assert again.CustomerRef.value == first.CustomerRef.value


def test_change_data_capture(sim, qb):
    base, realm = sim
    since = datetime.now(timezone.utc) - timedelta(seconds=5)
    changes = requests.post(f"{base}/_sim/realms/{realm}/burst", json={"count": 20}, timeout=10).json()
    changed = {c["id"] for c in changes if c["kind"] in ("Bill", "Invoice")}
    assert changed, changes
    cdc = change_data_capture([Bill, Invoice], since.strftime("%Y-%m-%dT%H:%M:%S+00:00"), qb=qb)
    got = set()
    for name in ("Bill", "Invoice"):
        response = getattr(cdc, name, None)
        if response is not None:
            got.update(obj.Id for obj in response)
    assert changed <= got
    for name in ("Bill", "Invoice"):
        response = getattr(cdc, name, None)
        for obj in response or []:
            if getattr(obj, "status", None) == "Deleted":
                continue
            source = admin_row(base, realm, name.lower(), obj.Id)
            assert Decimal(str(obj.TotalAmt)) == Decimal(str(source["TotalAmt"]))
