"""Each hook's ``test_hook_<name>`` must really call the hook: recorded, not read from the test's name.

While a test runs, every plugin manager it builds gets a hook-call monitor
(``PluginManager.add_hookcall_monitoring``) and every lookup of a hook's implementations
(``HookCaller.get_hookimpls``, the way ``call_in_order`` and the periodic worker call hooks one plugin at
a time) is noted. ``tests/conftest.py`` fails a ``test_hook_<name>`` whose run never reached ``<name>``,
whether the test called ``pm.hook.<name>(...)`` itself or drove a service or a page that called it.
tests/core/test_hook_docs.py checks the recorder.
"""
from __future__ import annotations

import inspect
import re
from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache
from typing import Any

import pluggy

HOOK_TEST = re.compile(r"^test_hook_(\w+?)(?:\[.*\])?$")


@cache
def known_hooks() -> frozenset[str]:
    """Every hook the core and the installed plugins declare."""
    from core import hookspecs
    from core.plugins import discover

    names = {n for n, f in inspect.getmembers(hookspecs, inspect.isfunction) if hasattr(f, "klass_spec")}
    for module in discover().values():
        specs = module.PLUGIN.hookspecs
        if specs is not None:
            names |= {n for n, f in inspect.getmembers(specs, inspect.isfunction) if hasattr(f, "klass_spec")}
    return frozenset(names)


@contextmanager
def recording() -> Iterator[set[str]]:
    """The names of the hooks called while inside (on managers created inside)."""
    called: set[str] = set()
    original_init = pluggy.PluginManager.__init__
    original_impls = pluggy.HookCaller.get_hookimpls

    def init(self: pluggy.PluginManager, *args: Any, **kwargs: Any) -> None:
        original_init(self, *args, **kwargs)
        self.add_hookcall_monitoring(lambda name, _impls, _kwargs: called.add(name),
                                     lambda _outcome, _name, _impls, _kwargs: None)

    def get_hookimpls(self: pluggy.HookCaller) -> list[pluggy.HookImpl]:
        called.add(self.name)
        return original_impls(self)

    pluggy.PluginManager.__init__ = init  # type: ignore[method-assign]
    pluggy.HookCaller.get_hookimpls = get_hookimpls  # type: ignore[method-assign]
    try:
        yield called
    finally:
        pluggy.PluginManager.__init__ = original_init  # type: ignore[method-assign]
        pluggy.HookCaller.get_hookimpls = original_impls  # type: ignore[method-assign]


def uncalled_hook(test_name: str, called: set[str]) -> str | None:
    """The hook a ``test_hook_<name>`` test is about when its run never called it, else None."""
    match = HOOK_TEST.match(test_name)
    if match is None or match.group(1) not in known_hooks():
        return None
    return None if match.group(1) in called else match.group(1)
