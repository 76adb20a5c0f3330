"""A thin asyncio face: each blocking call runs in a worker thread
(``asyncio.to_thread``). The GIL is released inside every RowCol call, so
concurrent awaits really overlap; there is no second implementation.

    mirror = await rowcol.aio.AsyncMirror.open("sqlite:///rowcol.db")
    digest = await mirror.digest("jane-cfo", datetime.date(2026, 7, 15))
"""

from __future__ import annotations

import asyncio
import functools
from typing import Any, Awaitable, Callable, Optional

from rowcol._rowcol import Mirror

__all__ = ["AsyncMirror"]


class AsyncMirror:
    """Every method of :class:`rowcol.Mirror`, awaitable."""

    def __init__(self, mirror: Mirror) -> None:
        self.mirror = mirror

    @classmethod
    async def open(cls, url: str, key_hex: Optional[str] = None) -> "AsyncMirror":
        """Opens a mirror (see :meth:`rowcol.Mirror.open`) without blocking the loop."""
        return cls(await asyncio.to_thread(Mirror.open, url, key_hex))

    def __getattr__(self, name: str) -> Callable[..., Awaitable[Any]]:
        method = getattr(self.mirror, name)
        if not callable(method):
            return method

        @functools.wraps(method)
        async def call(*args: Any, **kwargs: Any) -> Any:
            return await asyncio.to_thread(method, *args, **kwargs)

        return call

    def __repr__(self) -> str:
        return f"AsyncMirror({self.mirror!r})"
