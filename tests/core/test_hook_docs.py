"""Every hook, the core's and the plugins' own, is documented in docs/plugins.md and has a test."""
from __future__ import annotations

import inspect
import re
from pathlib import Path

import pytest

from core import hookspecs as core_specs
from core.plugins import discover

ROOT = Path(__file__).resolve().parents[2]


def _hooks() -> dict[str, str]:
    found = {name: "core" for name, f in inspect.getmembers(core_specs, inspect.isfunction)
             if hasattr(f, "klass_spec")}
    for plugin_name, module in discover().items():
        specs = module.PLUGIN.hookspecs
        if specs is not None:
            found.update({name: plugin_name for name, f in inspect.getmembers(specs, inspect.isfunction)
                          if hasattr(f, "klass_spec")})
    return found


HOOKS = _hooks()
DOCS = (ROOT / "docs" / "plugins.md").read_text(encoding="utf-8")
TEST_SOURCE = "\n".join(p.read_text(encoding="utf-8") for p in (ROOT / "tests").rglob("test_*.py"))


def test_the_hook_list_is_not_empty():
    assert {"register_permissions", "authenticate", "extra_journal_columns"} <= set(HOOKS)


@pytest.mark.parametrize("hook", sorted(HOOKS))
def test_every_hook_is_documented(hook):
    assert re.search(rf"^### `{hook}`$", DOCS, re.MULTILINE), f"docs/plugins.md has no section for {hook}"


@pytest.mark.parametrize("hook", sorted(HOOKS))
def test_every_hook_has_its_own_test(hook):
    assert re.search(rf"def test_hook_{hook}\b", TEST_SOURCE), f"no test_hook_{hook} in tests/"


@pytest.mark.parametrize("hook", sorted(HOOKS))
def test_every_hookspec_has_a_docstring_saying_when_it_is_called(hook):
    specs = core_specs if HOOKS[hook] == "core" else discover()[HOOKS[hook]].PLUGIN.hookspecs
    doc = inspect.getdoc(getattr(specs, hook)) or ""
    assert "Called" in doc, f"{hook}: the docstring must say when it is called"
