"""Let loop-bound objects be used from any event loop, and from threads with no loop at all.

An `httpx.AsyncClient` belongs to the event loop it first did I/O on; awaiting it from another
loop fails or hangs. That happens as soon as one object outlives a loop: a session-wide manager
used by tests that each get a fresh loop (pytest-asyncio's default), or a service with a loop per
thread. `LoopAffinity` remembers an object's home loop and runs its I/O there, whichever loop
asks; `LoopThread` gives an object a home loop of its own on a daemon thread, so plain
synchronous code can call it too.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Awaitable, Callable, Coroutine
from concurrent.futures import Future
from typing import Any, TypeVar

__all__ = ["LoopAffinity", "LoopThread"]

_T = TypeVar("_T")


class LoopAffinity:
    """Run coroutines on one home loop: the first loop that asks, or the one `bind()` names.

    A home loop that has closed (its `asyncio.run()` returned) is given up for the caller's loop,
    and `on_rehome` lets the owner drop resources bound to the old one.
    """

    def __init__(self, on_rehome: Callable[[], None] | None = None) -> None:
        self.home: asyncio.AbstractEventLoop | None = None
        self._on_rehome = on_rehome

    def bind(self, loop: asyncio.AbstractEventLoop | None = None) -> None:
        """Make `loop` (default: the running one) the home loop."""
        self.home = loop or asyncio.get_running_loop()

    async def run(self, make: Callable[[], Awaitable[_T]]) -> _T:
        """Await `make()` on the home loop; here if this is home (or home is gone)."""
        current = asyncio.get_running_loop()
        home = self.home
        if home is not current:
            if home is None or home.is_closed() or not home.is_running():
                self._rehome(current, had_home=home is not None)
            else:
                return await asyncio.wrap_future(
                    asyncio.run_coroutine_threadsafe(_awaited(make), home)
                )
        return await make()

    def spawn(self, make: Callable[[], Awaitable[_T]]) -> Future[_T] | None:
        """Start `make()` on the home loop without waiting for it; from any thread.

        Only a home loop that is running keeps such work alive: with none (or one that has
        ended), nothing starts and None says so, and the caller does the work itself. Moving
        home to the caller's loop would not do: a loop that `asyncio.run()` made for one call
        cancels what is left when the call returns.
        """
        home = self.home
        if home is None or home.is_closed() or not home.is_running():
            return None
        return asyncio.run_coroutine_threadsafe(_awaited(make), home)

    def _rehome(self, loop: asyncio.AbstractEventLoop, *, had_home: bool) -> None:
        self.home = loop
        if had_home and self._on_rehome is not None:
            self._on_rehome()


async def _awaited(make: Callable[[], Awaitable[_T]]) -> _T:
    return await make()


class LoopThread:
    """An asyncio event loop running on a daemon thread, for calling async code synchronously."""

    def __init__(self, name: str) -> None:
        self.loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._run, name=name, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        asyncio.set_event_loop(self.loop)
        self.loop.run_forever()

    def call(self, coroutine: Coroutine[Any, Any, _T], timeout: float | None = None) -> _T:
        """Run `coroutine` on the thread's loop and wait for its result (or exception)."""
        future: Future[_T] = asyncio.run_coroutine_threadsafe(coroutine, self.loop)
        return future.result(timeout)

    def stop(self) -> None:
        """Stop the loop, join the thread and close the loop; idempotent."""
        if self.loop.is_closed():
            return
        self.loop.call_soon_threadsafe(self.loop.stop)
        self._thread.join(timeout=10)
        if not self._thread.is_alive():
            self.loop.close()


def call_on(loop: asyncio.AbstractEventLoop, coroutine: Coroutine[Any, Any, _T]) -> _T:
    """Run `coroutine` on `loop` (running on another thread) and wait for it; refuse deadlocks."""
    try:
        running = asyncio.get_running_loop()
    except RuntimeError:
        running = None
    if running is loop:
        coroutine.close()
        raise RuntimeError(
            "a *_sync method was called from the manager's own event loop, where it would "
            "deadlock: await the async method instead"
        )
    return asyncio.run_coroutine_threadsafe(coroutine, loop).result()
