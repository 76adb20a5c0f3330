"""The asyncio face: generated from the same stub as the blocking one (no
__getattr__), typed, awaiting the same calls in worker threads, with close()
and `async with`."""

import asyncio
import inspect
import pathlib
import subprocess
import sys

import rowcol
from rowcol.aio import AsyncMirror

from conftest import AS_OF, client_records

TOOLS = pathlib.Path(__file__).resolve().parent.parent / "tools" / "gen_aio.py"


def test_aio_module_is_what_the_generator_writes():
    done = subprocess.run([sys.executable, str(TOOLS), "--check"], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr


def test_every_mirror_method_is_an_awaitable_method_with_its_signature():
    # Before: methods came through __getattr__, typed Any.
    assert "__getattr__" not in vars(AsyncMirror)
    for name, member in vars(rowcol.Mirror).items():
        if name.startswith("_") or name in {"open", "close"}:
            continue
        ours = vars(AsyncMirror)[name]
        if isinstance(ours, property):
            continue
        assert inspect.iscoroutinefunction(ours), name
        assert ours.__annotations__.get("return"), name
    sig = inspect.signature(AsyncMirror.sync)
    assert list(sig.parameters) == ["self", "app", "client", "timeout", "progress"]


def test_async_mirror_runs_the_blocking_calls(tmp_path):
    async def main():
        async with await AsyncMirror.open(f"sqlite:///{tmp_path}/aio.db", ephemeral=True) as m:
            await m.add_advisor("jane-cfo", "Jane")
            await m.add_client("jane-cfo", "acme", "Acme", realm="9130")
            outcome = await m.apply("acme", client_records())
            runway, digest, aging = await asyncio.gather(
                m.runway("jane-cfo", "acme", AS_OF), m.digest("jane-cfo", AS_OF), m.aging("jane-cfo", "acme", "ar", AS_OF)
            )
            info = (m.backend, repr(m), m.closed)
        return outcome, runway, digest, aging, info, m.closed

    outcome, runway, digest, aging, (backend, text, was_closed), closed = asyncio.run(main())
    assert outcome["inserted"] == len(client_records())
    assert runway.state == "months" and digest.client_ids == ["acme"] and aging.side == "receivable"
    assert backend == "sqlite" and text.startswith("AsyncMirror(") and not was_closed and closed
