"""Waiting for something to happen: poll a condition against a deadline, never a bare sleep.

A test that needs another task, thread or process to get somewhere asks for exactly that::

    await wait_until(lambda: inbox.data_started == 1, timeout=30, what="the worker to reach DATA")

and fails with ``what`` when the deadline passes, instead of sleeping for a guessed while and
hoping. Where the code under test offers an event (an ``asyncio.Event``, a callback), wait on
the event instead; polling is for what can only be looked at (a port, a row, a flag).
"""

from __future__ import annotations

import asyncio
import inspect
import time
from collections.abc import Awaitable, Callable


# ASYNC109 would have ``timeout`` be asyncio.timeout() around the call; here it is a polling loop's
# deadline, and asyncio.timeout() would cut a condition off in the middle of its query.
async def wait_until(
    condition: Callable[[], object | Awaitable[object]],
    *,
    timeout: float,  # noqa: ASYNC109 — see above
    what: str,
    interval: float = 0.05,
) -> None:
    """Return as soon as ``condition()`` is truthy (it may be a coroutine function); raise
    ``AssertionError`` naming ``what`` if it is still falsy after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        result = condition()
        if inspect.isawaitable(result):
            result = await result
        if result:
            return
        if time.monotonic() >= deadline:
            raise AssertionError(f"timed out after {timeout:g} s waiting for {what}")
        await asyncio.sleep(interval)


def wait_until_sync(condition: Callable[[], object], *, timeout: float, what: str, interval: float = 0.05) -> None:
    """:func:`wait_until` for code outside an event loop (fixtures that start servers and processes)."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() >= deadline:
            raise AssertionError(f"timed out after {timeout:g} s waiting for {what}")
        time.sleep(interval)
