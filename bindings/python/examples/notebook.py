"""A notebook-style tour of rowcol: run it top to bottom, or paste the cells
into Jupyter.

    python bindings/python/examples/notebook.py
"""

# %% Imports
import datetime as dt
import tempfile
from decimal import Decimal
from pathlib import Path

import rowcol
from rowcol import records as r

AS_OF = dt.date(2026, 7, 15)
NOW = dt.datetime(2026, 7, 15, 9, 0, tzinfo=dt.timezone.utc)

# %% Plain data: build one client's books from records and run the calculators
books = [
    r.company("acme-bakery", "Acme Bakery"),
    r.bank_account("acme-bakery", "1", "Checking", Decimal("18250.40")),
    r.credit_card("acme-bakery", "2", "Visa", Decimal("940.12")),
    r.account("acme-bakery", "10", "Flour and supplies", account_type="expense"),
    r.account("acme-bakery", "11", "Sales", account_type="income"),
    r.vendor("acme-bakery", "v1", "Mill & Sons"),
    r.customer("acme-bakery", "c1", "Bright Cafe"),
    r.bill("acme-bakery", "b1", Decimal("2400.00"), txn_date=dt.date(2026, 7, 1),
           due_date=dt.date(2026, 7, 21), vendor="v1", account="10"),
    r.invoice("acme-bakery", "i1", Decimal("1800.55"), txn_date=dt.date(2026, 6, 1),
              due_date=dt.date(2026, 7, 1), customer="c1", account="11"),
]
for month in range(2, 7):
    books.append(r.purchase("acme-bakery", f"p{month}", Decimal("6100.25"),
                            txn_date=dt.date(2026, month, 3), account="10", paid_from="1", payee="v1"))
    books.append(r.deposit("acme-bakery", f"d{month}", Decimal("2500.00"),
                           txn_date=dt.date(2026, month, 9), deposit_to="1", account="11"))

snap = rowcol.Snapshot.from_records("acme-bakery", books, AS_OF, synced_at=NOW)
runway = snap.runway()
print(snap)
print(runway, "| months:", runway.months, "| net burn/month:", runway.net_burn_monthly, runway.currency)
assert isinstance(runway.months, Decimal)

# %% The 13-week forecast, as a tidy DataFrame when pandas is installed
forecast = snap.forecast()
try:
    print(forecast.to_pandas()[["week", "start", "opening", "inflows", "bill_outflows", "closing"]].head())
except ImportError as err:
    print("(pandas not installed:", err, ")")
    print(forecast.to_dict()["weeks"][0])

# %% Receivables aging, hygiene tray and decision console
print(snap.aging("receivable").to_dict()["buckets"][1])
tray = snap.tray()
print(tray, [f["rule_id"] for f in tray.to_dict()["findings"]])
console = snap.console()
print(console)

# %% A mirror: seed two clients, then read figures as of a date
with tempfile.TemporaryDirectory() as tmp:
    mirror = rowcol.Mirror.open(f"sqlite:///{Path(tmp) / 'notebook.db'}", ephemeral=True)
    mirror.add_advisor("jane-cfo", "Jane Doe, fractional CFO")
    mirror.add_client("jane-cfo", "acme-bakery", "Acme Bakery", realm="9130355")
    print("applied:", mirror.apply("acme-bakery", books))
    other = [
        r.company("bolt-bikes", "Bolt Bikes"),
        r.bank_account("bolt-bikes", "1", "Checking", Decimal("3100.00")),
        r.bill("bolt-bikes", "b1", Decimal("5200.00"), txn_date=dt.date(2026, 6, 20),
               due_date=dt.date(2026, 7, 10), vendor="v1"),
    ]
    mirror.add_client("jane-cfo", "bolt-bikes", "Bolt Bikes", realm="9130356")
    mirror.apply("bolt-bikes", other)

    print([c["name"] for c in mirror.portfolio("jane-cfo")])
    digest = mirror.digest("jane-cfo", AS_OF, now=NOW)
    print(digest)
    for line in digest.to_dict()["clients"]:
        print(f"  {line['client']:<12} {line['urgency']:<8} cash {line['cash']['value']['amount']:>10}"
              f"  reasons: {'; '.join(line['urgency_reasons'])}")
    try:
        print(digest.to_pandas()[["client", "urgency", "cash", "runway_state", "runway_months"]])
    except ImportError:
        pass

    # %% Errors say what, where, and whether to retry
    mirror.add_advisor("someone-else", "Someone else")
    try:
        mirror.runway("someone-else", "acme-bakery", AS_OF)
    except rowcol.OutsidePortfolioError as err:
        print("refused:", type(err).__name__, "retryable:", err.retryable)

    try:
        mirror.apply("acme-bakery", [r.bill("acme-bakery", "b9", 0.1, txn_date=AS_OF)])
    except rowcol.InvalidInputError as err:
        print("refused:", str(err)[:60], "...")

# %% Sync: the QBO look-alike in process, synced through the real rail and engine
with tempfile.TemporaryDirectory() as tmp, rowcol.LookAlike(clients=2, size="small") as sim:
    synced = rowcol.Mirror.open(f"sqlite:///{Path(tmp) / 'synced.db'}", ephemeral=True)
    clients = sim.register(synced, "demo-advisor")
    results = synced.sync_all(sim.app())
    print(results, "ok:", results.ok)
    try:
        print(results.to_pandas()[["client", "outcome", "modes", "applied", "api_calls"]])
    except ImportError:
        pass
    again = synced.sync(sim.app(), clients[0])  # changes since the checkpoint only
    print(again, again.modes)
    print("audit chain:", synced.verify_audit(clients[0]))
    today = sim.now.date()
    print(synced.digest("demo-advisor", today, now=sim.now))
