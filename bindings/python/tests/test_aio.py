"""The asyncio face awaits the same calls in worker threads."""

import asyncio

import rowcol

from conftest import AS_OF, client_records


def test_async_mirror_runs_the_blocking_calls(tmp_path):
    async def main():
        m = await rowcol.aio.AsyncMirror.open(f"sqlite:///{tmp_path}/aio.db", ephemeral=True)
        await m.add_advisor("jane-cfo", "Jane")
        await m.add_client("jane-cfo", "acme", "Acme", realm="9130")
        outcome = await m.apply("acme", client_records())
        runway, digest = await asyncio.gather(
            m.runway("jane-cfo", "acme", AS_OF), m.digest("jane-cfo", AS_OF)
        )
        return outcome, runway, digest, m.backend, repr(m)

    outcome, runway, digest, backend, text = asyncio.run(main())
    assert outcome["inserted"] == len(client_records())
    assert runway.state == "months" and digest.client_ids == ["acme"]
    assert backend == "sqlite" and text.startswith("AsyncMirror(")
