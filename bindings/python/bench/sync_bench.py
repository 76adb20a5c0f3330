"""Sync from Python: the QBO look-alike in process with N generated companies,
registered into a fresh SQLite mirror, synced through the real QBO rail and
sync engine (first a full sync of every company, then one incremental CDC
cycle), timed from Python.

    python bindings/python/bench/sync_bench.py --clients 100 --size typical

Compare with `cargo run -p rowcol-cli -- demo` (the same load from Rust).
"""

import argparse
import pathlib
import tempfile
import time

import rowcol


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=100)
    parser.add_argument("--size", default="typical", choices=["empty", "small", "typical", "large"])
    parser.add_argument("--concurrency", type=int, default=16, help="the CLI demo's figure")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp, rowcol.LookAlike(clients=args.clients, size=args.size) as sim:
        mirror = rowcol.Mirror.open(f"sqlite:///{pathlib.Path(tmp) / 'bench.db'}", ephemeral=True)
        sim.register(mirror, "bench-advisor")
        app = sim.app()
        for label in ("first sync (full)", "second sync (CDC)"):
            start = time.perf_counter()
            results = mirror.sync_all(app, concurrency=args.concurrency)
            seconds = time.perf_counter() - start
            results.raise_errors()
            reports = results.reports.values()
            applied = sum(r.counts["applied"] for r in reports)
            calls = sum(r.counts["api_calls"] for r in reports)
            print(f"{label}: {len(results)} clients, {applied} records applied, {calls} API calls, {seconds:.2f} s")


if __name__ == "__main__":
    main()
