"""The import contracts (.importlinter, tools/import_contracts.py) fail when a plugin oversteps its declarations.

Two levels: ``lint-imports`` itself on a small tree shaped like Klass (the configuration as shipped, run as
``make test`` runs it), and the contract on the real tree with one ``requires`` entry deleted.
"""
from __future__ import annotations

import configparser
import dataclasses
import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import grimp
import pytest

from tools.import_contracts import PluginBoundariesContract, Violation

ROOT = Path(__file__).resolve().parents[2]
LINT_IMPORTS = Path(sys.executable).parent / "lint-imports"

TREE = {
    "core/__init__.py": "",
    "core/api.py": textwrap.dedent('''
        from dataclasses import dataclass

        @dataclass(frozen=True)
        class PluginInfo:
            name: str
            requires: tuple = ()
            public_modules: tuple = ()
            hookspecs: object = None
        '''),
    "core/db.py": "",
    "core/plugins.py": "import plugins\n",
    "plugins/__init__.py": "",
    "plugins/marks/__init__.py": 'from core.api import PluginInfo\n\nPLUGIN = PluginInfo("marks", public_modules=("public",))\n',
    "plugins/marks/public.py": "AVERAGE = 4.5\n",
    "plugins/marks/models.py": "",
    "plugins/diary/__init__.py": ('from core.api import PluginInfo\n\n'
                                  'PLUGIN = PluginInfo("diary", requires=("marks",))\n'),
    "plugins/diary/views.py": "from plugins.marks.public import AVERAGE\n",
    "plugins/notes/__init__.py": 'from core.api import PluginInfo\n\nPLUGIN = PluginInfo("notes")\n',
    "plugins/notes/hooks.py": textwrap.dedent('''
        from typing import TYPE_CHECKING

        if TYPE_CHECKING:
            from plugins.marks.public import AVERAGE


        def on_mark_saved():
            from plugins.marks.public import AVERAGE
            return AVERAGE
        '''),
}


def _lint(tree: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"} | {"PYTHONPATH": str(tree), "COLUMNS": "300"}
    return subprocess.run([str(LINT_IMPORTS), "--no-cache"], cwd=tree, env=env, capture_output=True, text=True,
                          timeout=120)


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    """A Klass-shaped tree that keeps every contract, with the real configuration and contract code."""
    for name, text in TREE.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text)
    shutil.copy(ROOT / ".importlinter", tmp_path / ".importlinter")
    shutil.copytree(ROOT / "tools", tmp_path / "tools", ignore=shutil.ignore_patterns("__pycache__"))
    return tmp_path


def test_a_tree_within_its_declarations_keeps_the_contracts(tree: Path) -> None:
    result = _lint(tree)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Contracts: 2 kept, 0 broken." in result.stdout


def test_deleting_a_requires_entry_breaks_the_contract(tree: Path) -> None:
    init = tree / "plugins/diary/__init__.py"
    init.write_text(init.read_text().replace('requires=("marks",)', "requires=()"))
    result = _lint(tree)
    assert result.returncode == 1
    assert ("plugins.diary.views -> plugins.marks.public (l. 1): plugins.diary does not declare 'marks' "
            "in requires") in result.stdout
    assert "plugins.notes" not in result.stdout  # its imports of marks are lazy: allowed without requires


@pytest.mark.parametrize(("path", "source", "expected"), [
    ("plugins/diary/views.py", "from plugins.marks.models import *\n",
     "plugins.diary.views -> plugins.marks.models (l. 1): private to marks; its public modules: "
     "plugins.marks.public"),
    ("plugins/diary/views.py", "from plugins.marks.public import AVERAGE\nfrom core import db\n",
     "plugins.diary.views -> core.db (l. 2): core internals; plugins use only core.api, core.toolkit"),
    ("core/db.py", "import plugins.marks.public\n", "core.db -> plugins.marks.public"),
])
def test_each_rule_names_the_import_that_breaks_it(tree: Path, path: str, source: str, expected: str) -> None:
    (tree / path).write_text(source)
    result = _lint(tree)
    assert result.returncode == 1
    assert expected in result.stdout


def _contract() -> PluginBoundariesContract:
    """The plugin-boundaries contract exactly as .importlinter configures it."""
    config = configparser.ConfigParser()
    config.read(ROOT / ".importlinter")
    section = config["importlinter:contract:plugin-boundaries"]
    return PluginBoundariesContract(name=section["name"], session_options={}, contract_options={
        "toolkit_modules": section["toolkit_modules"].split()})


def _violations(graph: grimp.ImportGraph) -> set[Violation]:
    return set(_contract().check(graph, verbose=False).metadata["violations"])


def test_on_the_real_tree_deleting_diary_requires_of_gradebook_is_caught(monkeypatch) -> None:
    """Gradebook is made fully public here so only the requires rule can fire, whatever the plugins
    publish today; then diary's ``requires`` loses "gradebook" and each eager diary -> gradebook import
    is reported."""
    import plugins.diary
    import plugins.gradebook

    graph = grimp.build_graph("core", "plugins", cache_dir=None)
    everything = tuple(m.removeprefix("plugins.gradebook.") for m in graph.find_descendants("plugins.gradebook"))
    monkeypatch.setattr(plugins.gradebook, "PLUGIN",
                        dataclasses.replace(plugins.gradebook.PLUGIN, public_modules=everything))
    assert "gradebook" in plugins.diary.PLUGIN.requires
    declared = _violations(graph)
    assert not [v for v in declared if v.importer.startswith("plugins.diary") and
                v.imported.startswith("plugins.gradebook")]

    requires = tuple(r for r in plugins.diary.PLUGIN.requires if r != "gradebook")
    monkeypatch.setattr(plugins.diary, "PLUGIN", dataclasses.replace(plugins.diary.PLUGIN, requires=requires))
    new = _violations(graph) - declared
    assert new, "deleting diary's requires of gradebook went unnoticed"
    assert {(v.importer.split(".")[1], v.imported.split(".")[1]) for v in new} == {("diary", "gradebook")}
    assert all("plugins.diary does not declare 'gradebook' in requires" in v.reason for v in new)
    assert any(v.importer == "plugins.diary.marks" for v in new)
