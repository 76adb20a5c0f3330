"""Builders of mirrored records as plain dicts.

Each function returns a dict shaped like the serde JSON of
``rowcol_core::Entity`` (``{"bill": {...}}``), ready for
:meth:`rowcol.Mirror.apply` or :meth:`rowcol.Snapshot.from_records`. They
only fill in shape and defaults; every figure is computed in Rust.

Amounts may be ``decimal.Decimal``, ``int`` (numpy ints too) or decimal
text (``"12.30"``); a ``float`` is refused when the record reaches Rust.
Dates may be ``datetime.date``, a midnight ``pandas.Timestamp``,
``numpy.datetime64`` or ISO text (``"2026-07-15"``), so rows of a DataFrame
can be passed as they come. Ids may be text or whole numbers. Unless given,
``updated_at`` is midnight UTC of the transaction date (name lists: 1
January 2000), so rebuilding the same record gives the same version.
"""

from __future__ import annotations

import datetime as _dt
import operator
from decimal import Decimal
from typing import Any, Dict, Mapping, Optional, Union

from rowcol._rowcol import _as_date

Amount = Union[Decimal, int, str]
Record = Dict[str, Any]

_LISTS_UPDATED = _dt.datetime(2000, 1, 1, tzinfo=_dt.timezone.utc)

__all__ = [
    "Amount",
    "Record",
    "account",
    "bank_account",
    "bill",
    "bill_payment",
    "company",
    "credit_card",
    "customer",
    "deposit",
    "invoice",
    "payment",
    "purchase",
    "term",
    "vendor",
]


def _id(value: Any) -> str:
    """An external id as text: numpy and Python ints (a DataFrame's id column) become digits."""
    if isinstance(value, str):
        return value
    try:
        return str(operator.index(value))
    except TypeError:
        raise TypeError(f"id {value!r}: expected text or a whole number") from None


def _money(amount: Amount, currency: str) -> Dict[str, Any]:
    return {"amount": amount, "currency": currency}


def _ref(ref: Optional[str], name: Optional[str] = None) -> Optional[Dict[str, Any]]:
    return None if ref is None else {"id": _id(ref), "name": name}


def _meta(
    client: str,
    id: str,
    updated_at: Optional[_dt.datetime],
    on: Optional[_dt.date] = None,
    version: str = "0",
    deleted: bool = False,
) -> Dict[str, Any]:
    if updated_at is None:
        if on is None:
            updated_at = _LISTS_UPDATED
        else:
            # What a DataFrame row gives (pandas.Timestamp, numpy.datetime64,
            # ISO text) is read by the native module's one date conversion.
            day = _as_date(on, "txn_date")
            updated_at = _dt.datetime(day.year, day.month, day.day, tzinfo=_dt.timezone.utc)
    return {
        "client": client,
        "rail": "qbo",
        "external_id": _id(id),
        "version": version,
        "created_at": updated_at,
        "updated_at": updated_at,
        "deleted": deleted,
    }


def _txn(
    txn_date: _dt.date,
    total: Amount,
    currency: str,
    account: Optional[str],
    doc_number: Optional[str],
) -> Dict[str, Any]:
    return {
        "txn_date": txn_date,
        "total": _money(total, currency),
        "exchange_rate": None,
        "doc_number": doc_number,
        "private_note": None,
        "lines": [{"amount": _money(total, currency), "account": _ref(account), "description": None}],
    }


def _links(kind: str, applied: Optional[Mapping[str, Amount]], currency: str) -> list:
    return [
        {"kind": kind, "id": _id(ref), "amount": _money(amount, currency)}
        for ref, amount in (applied or {}).items()
    ]


def company(client: str, name: str, *, home_currency: str = "USD", country: Optional[str] = "US") -> Record:
    """The company record (QBO CompanyInfo)."""
    return {
        "company_info": {
            "meta": _meta(client, "1", None),
            "company_name": name,
            "country": country,
            "fiscal_year_start_month": 1,
            "home_currency": home_currency,
        }
    }


def account(
    client: str,
    id: str,
    name: str,
    *,
    account_type: str = "bank",
    balance: Amount = 0,
    currency: str = "USD",
    sub_type: Optional[str] = None,
    active: bool = True,
    updated_at: Optional[_dt.datetime] = None,
) -> Record:
    """A chart-of-accounts entry; ``account_type`` is the snake_case
    ``AccountType`` (``bank``, ``credit_card``, ``expense``, ``income``, ...)."""
    return {
        "account": {
            "meta": _meta(client, id, updated_at),
            "name": name,
            "fully_qualified_name": None,
            "account_type": account_type,
            "sub_type": sub_type,
            "current_balance": _money(balance, currency),
            "active": active,
        }
    }


def bank_account(client: str, id: str, name: str, balance: Amount, *, currency: str = "USD") -> Record:
    """A bank account with its current balance (counts as available cash)."""
    return account(client, id, name, account_type="bank", balance=balance, currency=currency, sub_type="Checking")


def credit_card(client: str, id: str, name: str, balance: Amount, *, currency: str = "USD") -> Record:
    """A credit card account with its current balance (owed)."""
    return account(client, id, name, account_type="credit_card", balance=balance, currency=currency)


def term(
    client: str,
    id: str,
    name: str,
    *,
    due_days: Optional[int] = None,
    discount_percent: Optional[Amount] = None,
    discount_days: Optional[int] = None,
) -> Record:
    """Payment terms such as "Net 30" or "2% 10 Net 30"."""
    return {
        "term": {
            "meta": _meta(client, id, None),
            "name": name,
            "due_days": due_days,
            "discount_percent": discount_percent,
            "discount_days": discount_days,
            "active": True,
        }
    }


def _party(client: str, id: str, name: str, balance: Amount, currency: str, terms: Optional[str], email: Optional[str]) -> Dict[str, Any]:
    return {
        "meta": _meta(client, id, None),
        "display_name": name,
        "company_name": None,
        "active": True,
        "balance": _money(balance, currency),
        "email": email,
        "terms": _ref(terms),
    }


def vendor(
    client: str,
    id: str,
    name: str,
    *,
    balance: Amount = 0,
    currency: str = "USD",
    terms: Optional[str] = None,
    email: Optional[str] = None,
    is_1099: bool = False,
) -> Record:
    """A vendor (someone the business pays)."""
    return {"vendor": {"party": _party(client, id, name, balance, currency, terms, email), "is_1099": is_1099}}


def customer(
    client: str,
    id: str,
    name: str,
    *,
    balance: Amount = 0,
    currency: str = "USD",
    terms: Optional[str] = None,
    email: Optional[str] = None,
) -> Record:
    """A customer (someone who pays the business)."""
    return {"customer": {"party": _party(client, id, name, balance, currency, terms, email)}}


def bill(
    client: str,
    id: str,
    total: Amount,
    *,
    txn_date: _dt.date,
    due_date: Optional[_dt.date] = None,
    balance: Optional[Amount] = None,
    vendor: Optional[str] = None,
    account: Optional[str] = None,
    terms: Optional[str] = None,
    currency: str = "USD",
    doc_number: Optional[str] = None,
    version: str = "0",
    updated_at: Optional[_dt.datetime] = None,
) -> Record:
    """A vendor's bill; ``balance`` (still owed) defaults to the total."""
    return {
        "bill": {
            "meta": _meta(client, id, updated_at, txn_date, version),
            "txn": _txn(txn_date, total, currency, account, doc_number),
            "vendor": _ref(vendor),
            "ap_account": None,
            "due_date": due_date,
            "terms": _ref(terms),
            "balance": _money(total if balance is None else balance, currency),
            "linked": [],
        }
    }


def invoice(
    client: str,
    id: str,
    total: Amount,
    *,
    txn_date: _dt.date,
    due_date: Optional[_dt.date] = None,
    balance: Optional[Amount] = None,
    customer: Optional[str] = None,
    account: Optional[str] = None,
    terms: Optional[str] = None,
    currency: str = "USD",
    doc_number: Optional[str] = None,
    email_status: str = "email_sent",
    version: str = "0",
    updated_at: Optional[_dt.datetime] = None,
) -> Record:
    """An invoice to a customer; ``balance`` (still owed) defaults to the total."""
    return {
        "invoice": {
            "meta": _meta(client, id, updated_at, txn_date, version),
            "txn": _txn(txn_date, total, currency, account, doc_number),
            "customer": _ref(customer),
            "due_date": due_date,
            "terms": _ref(terms),
            "balance": _money(total if balance is None else balance, currency),
            "email_status": email_status,
            "bill_email": None,
            "linked": [],
        }
    }


def payment(
    client: str,
    id: str,
    total: Amount,
    *,
    txn_date: _dt.date,
    customer: Optional[str] = None,
    invoices: Optional[Mapping[str, Amount]] = None,
    deposit_to: Optional[str] = None,
    unapplied: Amount = 0,
    currency: str = "USD",
) -> Record:
    """A customer's payment; ``invoices`` maps invoice id to the amount applied."""
    return {
        "payment": {
            "meta": _meta(client, id, None, txn_date),
            "txn": _txn(txn_date, total, currency, None, None),
            "customer": _ref(customer),
            "unapplied": _money(unapplied, currency),
            "deposit_to": _ref(deposit_to),
            "applied_to": _links("invoice", invoices, currency),
        }
    }


def bill_payment(
    client: str,
    id: str,
    total: Amount,
    *,
    txn_date: _dt.date,
    vendor: Optional[str] = None,
    bills: Optional[Mapping[str, Amount]] = None,
    paid_from: Optional[str] = None,
    method: str = "check",
    currency: str = "USD",
) -> Record:
    """A payment of bills; ``bills`` maps bill id to the amount paid."""
    return {
        "bill_payment": {
            "meta": _meta(client, id, None, txn_date),
            "txn": _txn(txn_date, total, currency, None, None),
            "vendor": _ref(vendor),
            "method": method,
            "paid_from": _ref(paid_from),
            "applied_to": _links("bill", bills, currency),
        }
    }


def purchase(
    client: str,
    id: str,
    total: Amount,
    *,
    txn_date: _dt.date,
    account: Optional[str] = None,
    paid_from: Optional[str] = None,
    payee: Optional[str] = None,
    method: str = "credit_card",
    currency: str = "USD",
) -> Record:
    """Money spent directly (card, cheque, cash), coded to ``account``."""
    return {
        "purchase": {
            "meta": _meta(client, id, None, txn_date),
            "txn": _txn(txn_date, total, currency, account, None),
            "method": method,
            "paid_from": _ref(paid_from),
            "payee": _ref(payee),
        }
    }


def deposit(
    client: str,
    id: str,
    total: Amount,
    *,
    txn_date: _dt.date,
    deposit_to: Optional[str] = None,
    account: Optional[str] = None,
    currency: str = "USD",
) -> Record:
    """Money deposited into a bank account."""
    return {
        "deposit": {
            "meta": _meta(client, id, None, txn_date),
            "txn": _txn(txn_date, total, currency, account, None),
            "deposit_to": _ref(deposit_to),
            "linked": [],
        }
    }
