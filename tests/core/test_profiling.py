"""KLASS_PROFILE_REQUESTS: off by default; on, every request leaves a readable profile in instance/profiles/."""
from __future__ import annotations

import pstats

from flask import Flask

from core import profiling


def _app(tmp_path):
    app = Flask("profiled", instance_path=str(tmp_path))

    @app.get("/page/<int:n>")
    def page(n):
        return f"page {n}"

    profiling.init_app(app)
    return app


def test_no_profiles_without_the_switch(tmp_path, monkeypatch):
    monkeypatch.delenv(profiling.ENV, raising=False)
    assert _app(tmp_path).test_client().get("/page/1").text == "page 1"
    assert not (tmp_path / "profiles").exists()


def test_each_request_writes_a_profile_naming_its_path(tmp_path, monkeypatch):
    monkeypatch.setenv(profiling.ENV, "1")
    client = _app(tmp_path).test_client()
    assert client.get("/page/7").text == "page 7"  # the answer is unchanged
    client.get("/page/8")
    files = sorted((tmp_path / "profiles").iterdir())
    assert len(files) == 2 and all(f.name.endswith("-GET-page_7.prof") or f.name.endswith("-GET-page_8.prof")
                                   for f in files)
    functions = {name for (_file, _line, name) in pstats.Stats(str(files[0])).stats}
    assert "page" in functions  # the view itself ran under the profiler
