"""Shared data for the rowcol tests: one small client, built with rowcol.records."""

import datetime as dt
from decimal import Decimal

import pytest

import rowcol
from rowcol import records as r

AS_OF = dt.date(2026, 7, 15)
SYNCED = dt.datetime(2026, 7, 15, 8, 0, tzinfo=dt.timezone.utc)


def client_records(client: str = "acme", cash: str = "25000.10") -> list:
    """A client with cash, a card, vendors, customers, open bills and
    invoices, and four months of purchases and deposits (so burn is known)."""
    recs = [
        r.company(client, f"{client.title()} Ltd"),
        r.bank_account(client, "1", "Checking", Decimal(cash)),
        r.credit_card(client, "3", "Visa", Decimal("1200.00")),
        r.account(client, "10", "Rent", account_type="expense"),
        r.account(client, "7", "Sales", account_type="income"),
        r.vendor(client, "v1", "Landlord"),
        r.vendor(client, "v2", "Paper Co"),
        r.customer(client, "c1", "Bright Cafe"),
        r.bill(client, "b1", Decimal("1500.00"), txn_date=dt.date(2026, 7, 1), due_date=dt.date(2026, 7, 20), vendor="v1", account="10"),
        r.bill(client, "b2", Decimal("99.99"), txn_date=dt.date(2026, 6, 1), due_date=dt.date(2026, 6, 30), vendor="v2", account="10"),
        r.invoice(client, "i1", Decimal("0.1"), txn_date=dt.date(2026, 6, 1), due_date=dt.date(2026, 7, 1), customer="c1", account="7"),
        r.invoice(client, "i2", Decimal("0.2"), txn_date=dt.date(2026, 6, 2), due_date=dt.date(2026, 7, 2), customer="c1", account="7"),
        r.invoice(client, "i3", Decimal("4000.00"), txn_date=dt.date(2026, 7, 10), due_date=dt.date(2026, 8, 9), customer="c1", account="7"),
    ]
    for month in range(2, 7):
        day = dt.date(2026, month, 5)
        recs.append(r.purchase(client, f"p{month}", Decimal("3000.05"), txn_date=day, account="10", paid_from="1", payee="v1"))
        recs.append(r.deposit(client, f"d{month}", Decimal("1000.00"), txn_date=day, deposit_to="1", account="7"))
    return recs


@pytest.fixture
def snapshot() -> rowcol.Snapshot:
    return rowcol.Snapshot.from_records("acme", client_records(), AS_OF, synced_at=SYNCED)


@pytest.fixture
def mirror(tmp_path) -> rowcol.Mirror:
    m = rowcol.Mirror.open(f"sqlite:///{tmp_path}/mirror.db", ephemeral=True)
    m.add_advisor("jane-cfo", "Jane")
    for client in ("acme", "bolt"):
        m.add_client("jane-cfo", client, client.title(), realm="9130" if client == "acme" else "9131")
        m.apply(client, client_records(client))
    return m
