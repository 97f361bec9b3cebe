"""Every hook, the core's and the plugins' own, is documented in docs/plugins.md and has a test that
calls it: tests/conftest.py records the hooks each test calls (tests/hook_calls.py) and fails a
``test_hook_<name>`` whose run never called ``<name>``; the recorder itself is checked here."""
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


@pytest.mark.parametrize("hook", sorted(HOOKS))
def test_every_hook_test_is_checked_for_calling_its_hook(hook):
    from tests.hook_calls import known_hooks, uncalled_hook

    assert hook in known_hooks()
    assert uncalled_hook(f"test_hook_{hook}", set()) == hook
    assert uncalled_hook(f"test_hook_{hook}", {hook}) is None
    assert uncalled_hook(f"test_hook_{hook}[sqlite]", {"something_else"}) == hook


def test_a_test_that_is_not_about_a_hook_is_not_checked():
    from tests.hook_calls import uncalled_hook

    assert uncalled_hook("test_hook_docs_are_fine", set()) is None
    assert uncalled_hook("test_marks_are_saved", set()) is None


def test_the_recorder_sees_calls_through_the_manager_and_one_plugin_at_a_time(make_app, hook_calls):
    """What a hook test does: build an app, then call a hook directly or through the core."""
    hook_calls.clear()
    app = make_app(plugins=["gradebook"])
    assert {"register_permissions", "register_blueprints"} <= hook_calls  # create_app calls them
    pm = app.extensions["klass"].pm
    assert "register_cli_commands" not in hook_calls
    pm.hook.register_cli_commands()
    assert "register_cli_commands" in hook_calls
    from core.jobs import run_periodic

    run_periodic(app)
    assert "on_periodic_tick" in hook_calls  # the worker calls each plugin's implementation itself


def test_the_recorder_does_not_count_a_hook_that_is_only_named(make_app, hook_calls):
    app = make_app(plugins=["gradebook"])
    hook_calls.clear()
    assert hasattr(app.extensions["klass"].pm.hook, "on_mark_saved")  # naming it is not calling it
    assert "on_mark_saved" not in hook_calls
