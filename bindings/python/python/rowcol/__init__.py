"""RowCol for Python: an advisor's client mirror and the runway figures over it.

Open a mirror, sync it from QBO (or the in-process look-alike), seed or
read it, and get the portfolio digest, a client's hygiene tray, decision
console, runway and 13-week forecast as of a date; or build a
:class:`Snapshot` from plain records and run the same calculators in a
notebook. Money is ``decimal.Decimal`` (a ``float`` is refused on the way
in), dates are ``datetime.date``, times are aware ``datetime.datetime``.

    >>> import rowcol, datetime
    >>> m = rowcol.Mirror.open("sqlite::memory:")
    >>> m.add_advisor("jane-cfo", "Jane")

Every computation runs in Rust with the GIL released.
"""

from rowcol import aio, records
from rowcol._rowcol import (
    Aging,
    AuditLog,
    BalanceHistory,
    Balances,
    BankCheck,
    DeadLetters,
    DecisionConsole,
    Digest,
    Forecast,
    HygieneTray,
    InvalidInputError,
    LookAlike,
    MappingError,
    Mirror,
    MoneyError,
    NotFoundError,
    Outlook,
    OutsidePortfolioError,
    PlaidApp,
    PlaidLookAlike,
    Portfolio,
    QboApp,
    RailError,
    RowcolError,
    Runway,
    ScenarioComparison,
    Snapshot,
    StoreError,
    SyncReport,
    SyncResults,
    SyncRuns,
    WrongKeyError,
    __version__,
    digest,
)

__all__ = [
    "Aging",
    "AuditLog",
    "BalanceHistory",
    "Balances",
    "BankCheck",
    "DeadLetters",
    "DecisionConsole",
    "Digest",
    "Forecast",
    "HygieneTray",
    "InvalidInputError",
    "LookAlike",
    "MappingError",
    "Mirror",
    "MoneyError",
    "NotFoundError",
    "Outlook",
    "OutsidePortfolioError",
    "PlaidApp",
    "PlaidLookAlike",
    "Portfolio",
    "QboApp",
    "RailError",
    "RowcolError",
    "Runway",
    "ScenarioComparison",
    "Snapshot",
    "StoreError",
    "SyncReport",
    "SyncResults",
    "SyncRuns",
    "WrongKeyError",
    "__version__",
    "aio",
    "digest",
    "records",
]
