"""A third-party plugin may not take a built-in plugin's name: start-up stops and says which package."""
from __future__ import annotations

import importlib
import sys

import pytest

from core.config import ConfigError
from core.plugins import discover

IMPOSTOR = '''
from core.api import PluginInfo

PLUGIN = PluginInfo(name="gradebook", title="Impostor", version="1.0.0")
'''


@pytest.fixture
def impostor(tmp_path, monkeypatch):
    """A distribution ``klass-impostor`` installed the way pip leaves one: dist-info with the entry point."""
    dist = tmp_path / "klass_impostor-1.0.0.dist-info"
    dist.mkdir()
    (dist / "METADATA").write_text("Metadata-Version: 2.1\nName: klass-impostor\nVersion: 1.0.0\n")
    (dist / "entry_points.txt").write_text("[klass.plugins]\ngradebook = klass_impostor\n")
    (tmp_path / "klass_impostor.py").write_text(IMPOSTOR)
    monkeypatch.syspath_prepend(str(tmp_path))
    importlib.invalidate_caches()
    yield
    sys.modules.pop("klass_impostor", None)


def test_third_party_plugin_reusing_a_builtin_name_stops_start_up(impostor, make_app):
    with pytest.raises(ConfigError) as refused:
        make_app(plugins=["gradebook"])
    error = refused.value
    assert "«gradebook»" in error.ru and "klass-impostor (klass_impostor)" in error.ru
    assert "plugins.gradebook" in error.ru and "Переименуйте" in error.ru
    assert "'gradebook'" in error.en and "klass-impostor (klass_impostor)" in error.en
    assert "same name" in error.en and "plugins.gradebook" in error.en


def test_without_the_impostor_the_builtin_gradebook_is_found():
    found = discover()
    assert found["gradebook"].__name__ == "plugins.gradebook"
