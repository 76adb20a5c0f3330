"""Digest for 100 clients: from Python vs the same in Rust, and vs a
straightforward pandas implementation of the aging and runway figures.

    CARGO_TARGET_DIR=... python bindings/python/bench/digest_bench.py [--clients 100] [--runs 30]

Steps:
1. ``cargo run --release --example synthetic_portfolio`` writes the runway
   crate's deterministic synthetic portfolio as JSON and times the digest in
   plain Rust (the reference).
2. Python loads the same snapshots into a ``rowcol.Portfolio`` and times
   ``portfolio.digest()`` per call from Python (and, as a cross-check, the
   same digest repeated inside the binding with ``_time_digest``).
3. pandas computes AR/AP aging and runway on frames built from the same
   snapshots; its figures are checked against rowcol's before timing counts.

Install the package from a release wheel first (``maturin build --release``
then ``pip install`` the wheel, or ``pip install ./bindings/python``): an
editable ``maturin develop`` shares its native module with the debug builds
of ``run-tests.sh``, and the Python side is then timed unoptimised.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

import rowcol

HERE = Path(__file__).resolve().parent
REPO = HERE.parent.parent.parent
AS_OF = dt.date(2026, 7, 15)
NOW = dt.datetime(2026, 7, 15, 8, 5, tzinfo=dt.timezone.utc)
TARGET = dt.timedelta(minutes=30)


def rust_reference(out: Path, clients: int, runs: int, release: bool = True) -> dict:
    cmd = ["cargo", "run", "--quiet", *(["--release"] if release else []), "-p", "rowcol-python", "--example", "synthetic_portfolio",
           "--", str(out), str(clients), str(runs)]
    print("$", " ".join(cmd), file=sys.stderr)
    done = subprocess.run(cmd, cwd=REPO, check=True, capture_output=True, text=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def median_time(fn, runs: int) -> float:
    fn()  # warm-up
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


# ---------------------------------------------------------------- pandas side

def frames(snapshots: list):
    """Flat tables of the snapshots, as a pandas user would build them (floats)."""
    import pandas as pd

    accounts, items, flows = [], [], []
    for s in snapshots:
        c = s["client"]
        for a in s["accounts"]:
            if not a["meta"]["deleted"]:
                accounts.append((c, a["account_type"], float(a["current_balance"]["amount"])))
        for side, key in (("receivable", "invoices"), ("payable", "bills")):
            for d in s[key]:
                if not d["meta"]["deleted"]:
                    items.append((c, side, d["due_date"] or d["txn"]["txn_date"], float(d["balance"]["amount"])))
        for key, sign in (("bill_payments", "out"), ("purchases", "out"), ("payments", "in")):
            for t in s[key]:
                if not t["meta"]["deleted"]:
                    flows.append((c, sign, t["txn"]["txn_date"], float(t["txn"]["total"]["amount"])))
        for d in s["deposits"]:
            if not d["meta"]["deleted"]:
                carried = sum(float(l["amount"]["amount"]) for l in d["linked"]
                              if l["kind"] == "payment" and l["amount"] is not None)
                flows.append((c, "in", d["txn"]["txn_date"], max(float(d["txn"]["total"]["amount"]) - carried, 0.0)))
    acc = pd.DataFrame(accounts, columns=["client", "type", "balance"])
    it = pd.DataFrame(items, columns=["client", "side", "due", "balance"])
    it["due"] = pd.to_datetime(it["due"])
    fl = pd.DataFrame(flows, columns=["client", "dir", "date", "amount"])
    fl["date"] = pd.to_datetime(fl["date"])
    return acc, it, fl


def pandas_figures(acc, it, fl, as_of: dt.date, months: int = 3):
    """AR/AP aging in five buckets and runway per client, in plain pandas."""
    import numpy as np
    import pandas as pd

    ts = pd.Timestamp(as_of)
    open_ = it[it["balance"] != 0]
    days = (ts - open_["due"]).dt.days
    bucket = pd.cut(days, [-np.inf, 0, 30, 60, 90, np.inf],
                    labels=["current", "days1_to30", "days31_to60", "days61_to90", "over90"])
    aging = open_.assign(bucket=bucket).groupby(["client", "side", "bucket"], observed=False)["balance"].agg(["sum", "count"])

    end = ts.replace(day=1)
    start = end - pd.DateOffset(months=months)
    window = fl[(fl["date"] >= start) & (fl["date"] < end)]
    moved = window.pivot_table(index="client", columns="dir", values="amount", aggfunc="sum", fill_value=0.0)
    moved = moved.reindex(columns=["in", "out"], fill_value=0.0)
    cash = acc[acc["type"] == "bank"].groupby("client")["balance"].sum()
    net = (moved["out"] - moved["in"]) / months
    runway = (cash / net.where(net > 0)).clip(lower=0).round(2)
    return aging, runway


LISTS = {
    "accounts": "account", "terms": "term", "vendors": "vendor", "customers": "customer", "bills": "bill",
    "invoices": "invoice", "payments": "payment", "bill_payments": "bill_payment", "purchases": "purchase",
    "deposits": "deposit",
}


def mirror_figures(snapshots: list, out_dir: Path, runs: int) -> dict:
    """Seeds a SQLite mirror with every snapshot's records (through
    Mirror.apply, as a sync would write them) and times the digest read from it."""
    db = out_dir / "mirror.db"
    for suffix in ("", "-wal", "-shm"):
        Path(f"{db}{suffix}").unlink(missing_ok=True)
    m = rowcol.Mirror.open(f"sqlite:///{db}", ephemeral=True)
    m.add_advisor("bench", "Bench")
    start = time.perf_counter()
    for i, s in enumerate(snapshots):
        m.add_client("bench", s["client"], s["name"], realm=str(9_130_000 + i))
        recs = [{kind: item} for key, kind in LISTS.items() for item in s[key]]
        if s["company"] is not None:
            recs.append({"company_info": s["company"]})
        m.apply(s["client"], recs)
    seed = time.perf_counter() - start
    load_digest = median_time(lambda: m.digest("bench", AS_OF, now=NOW, freshness_target=TARGET), max(3, runs // 3))
    return {
        "mirror_seed_s (apply every record from Python, once)": round(seed, 2),
        "mirror_load_plus_digest_ms (Mirror.digest from SQLite, median)": round(load_digest * 1e3, 2),
    }


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--clients", type=int, default=100)
    ap.add_argument("--runs", type=int, default=30)
    ap.add_argument("--dev", action="store_true", help="smoke run: Rust side in the dev profile")
    ap.add_argument("--mirror", action="store_true",
                    help="also seed a SQLite mirror with the same records and time Mirror.digest (load + digest)")
    args = ap.parse_args()

    if Path(rowcol.__file__).resolve().is_relative_to(HERE.parent / "python"):
        print("warning: rowcol is an editable install from this tree; its native module may be a debug "
              "build (see the README)", file=sys.stderr)
    out_dir = HERE / "out"
    out_dir.mkdir(exist_ok=True)
    data = out_dir / f"portfolio-{args.clients}.json"
    rust = rust_reference(data, args.clients, args.runs, release=not args.dev)

    text = data.read_text()
    portfolio = rowcol.Portfolio.from_json(text)
    assert len(portfolio) == args.clients

    # Interleaved, so that load from other processes hits both sides alike:
    # one digest called from Python, then one timed inside Rust, repeatedly.
    portfolio.digest(AS_OF, now=NOW, freshness_target=TARGET)
    py_times, rust_times = [], []
    for _ in range(args.runs):
        start = time.perf_counter()
        portfolio.digest(AS_OF, now=NOW, freshness_target=TARGET)
        py_times.append(time.perf_counter() - start)
        rust_times += portfolio._time_digest(1, AS_OF, now=NOW, freshness_target=TARGET)
    py_digest = statistics.median(py_times)
    in_binding = statistics.median(rust_times)
    py_digest_dict = median_time(lambda: portfolio.digest(AS_OF, now=NOW, freshness_target=TARGET).to_dict(),
                                 max(3, args.runs // 3))
    py_outlooks = median_time(lambda: portfolio.outlooks(AS_OF), args.runs)

    import pandas  # noqa: F401 - imported before the frame-building clock starts

    snapshots = json.loads(text)
    start = time.perf_counter()
    acc, it, fl = frames(snapshots)
    frame_build = time.perf_counter() - start
    pd_figures = median_time(lambda: pandas_figures(acc, it, fl, AS_OF), args.runs)

    # Agreement: the pandas figures must be rowcol's figures.
    aging, runway = pandas_figures(acc, it, fl, AS_OF)
    runway_mismatch, aging_mismatch = 0, 0
    for s, o in zip(portfolio.snapshots, portfolio.outlooks(AS_OF).values()):
        d = o.to_dict()
        months = d["runway"]["state"].get("months")
        theirs = runway.get(s.client)
        if (months is None) != (theirs is None or theirs != theirs):
            runway_mismatch += 1
        elif months is not None and abs(float(months) - float(theirs)) > 0.011:
            runway_mismatch += 1
        for side, key in (("receivable", "ar_aging"), ("payable", "ap_aging")):
            for b in d[key]["buckets"]:
                ours = float(b["amount"]["amount"])
                got = aging.loc[(s.client, side, b["bucket"]), "sum"] if (s.client, side, b["bucket"]) in aging.index else 0.0
                if abs(ours - got) > 0.005:
                    aging_mismatch += 1

    rust_s = rust["rust_median_s"]
    report = {
        "clients": args.clients,
        "runs": args.runs,
        "rust_digest_ms (plain Rust example, median)": round(rust_s * 1e3, 2),
        "python_digest_ms (rowcol.Portfolio.digest, median)": round(py_digest * 1e3, 2),
        "python_over_rust_example": round(py_digest / rust_s, 3),
        "in_binding_digest_ms (_time_digest, interleaved, median)": round(in_binding * 1e3, 2),
        "python_over_rust_interleaved": round(py_digest / in_binding, 3),
        "python_digest_plus_to_dict_ms": round(py_digest_dict * 1e3, 2),
        "python_outlooks_ms (every calculator, all clients)": round(py_outlooks * 1e3, 2),
        "pandas_aging_runway_ms (frames prebuilt, median)": round(pd_figures * 1e3, 2),
        "pandas_frame_build_ms (once)": round(frame_build * 1e3, 2),
        "pandas_over_rowcol_digest": round(pd_figures / py_digest, 3),
        "pandas_over_rowcol_outlooks": round(pd_figures / py_outlooks, 3),
        "pandas_runway_mismatches": runway_mismatch,
        "pandas_aging_bucket_mismatches": aging_mismatch,
        "cpus": os.cpu_count(),
    }
    if args.mirror:
        report.update(mirror_figures(json.loads(text), out_dir, args.runs))
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
