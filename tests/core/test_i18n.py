"""The interface is Russian first: every msgid used in code and templates has its Russian translation."""
from __future__ import annotations

from pathlib import Path

import pytest

from core.i18n_tools import missing_translations
from core.plugins import discover

PARTS = {"core": Path(__file__).resolve().parents[2] / "core"}
PARTS.update({name: Path(module.__file__).parent for name, module in discover().items()
              if Path(module.__file__).parent.parent.name == "plugins"})


@pytest.mark.parametrize("part", sorted(PARTS))
def test_every_message_has_a_russian_translation(part):
    missing = missing_translations(PARTS[part])
    assert not missing, f"{part}: no Russian for {missing} (run `klass i18n update --plugin {part}`)"


def test_pages_are_in_russian(login_as):
    page = login_as("deputy").get("/school/").text
    assert "Учебный год" in page and "Педагогическая нагрузка" in page
    assert "Teaching assignments" not in page

