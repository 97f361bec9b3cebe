"""Processes the tests start (a print archive's process pool, spawned) run on the suite's fixed clock too.

A spawned child starts a fresh interpreter, so the parent's time travel does not reach it; the pool's
initializer is wrapped to travel to the parent's moment first (see ``fixed_clock`` in tests/conftest.py).
"""
from __future__ import annotations

import concurrent.futures
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any


def start_clock_then(moment: str, initializer: Callable[..., Any] | None, initargs: tuple[Any, ...]) -> None:
    import time_machine

    time_machine.travel(datetime.fromisoformat(moment), tick=True).start()
    if initializer is not None:
        initializer(*initargs)


@contextmanager
def pools_on_this_clock() -> Iterator[None]:
    """While inside, every ``ProcessPoolExecutor`` starts its workers at the parent's current moment."""
    original = concurrent.futures.ProcessPoolExecutor.__init__

    def init(self: Any, max_workers: Any = None, mp_context: Any = None, initializer: Any = None,
             initargs: tuple[Any, ...] = (), **kwargs: Any) -> None:
        original(self, max_workers, mp_context, start_clock_then,
                 (datetime.now(UTC).isoformat(), initializer, tuple(initargs)), **kwargs)

    concurrent.futures.ProcessPoolExecutor.__init__ = init  # type: ignore[method-assign]
    try:
        yield
    finally:
        concurrent.futures.ProcessPoolExecutor.__init__ = original  # type: ignore[method-assign]
