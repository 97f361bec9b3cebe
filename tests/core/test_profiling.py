"""KLASS_PROFILE_REQUESTS: off by default; on, every request leaves a readable profile in instance/profiles/."""
from __future__ import annotations

import pstats
from types import SimpleNamespace

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


def _hello(environ, start_response):
    start_response("200 OK", [("Content-Type", "text/plain")])
    return [b"hello ", b"world"]


def _get(app, path):
    statuses = []
    body = b"".join(app({"PATH_INFO": path, "REQUEST_METHOD": "GET"}, lambda s, h: statuses.append(s)))
    return statuses[0], body


def test_a_path_prefix_profiles_only_the_pages_under_it(tmp_path, monkeypatch):
    monkeypatch.setenv(profiling.ENV, "/diary")
    monkeypatch.setenv("KLASS_PROFILE_DIR", str(tmp_path))
    app = SimpleNamespace(wsgi_app=_hello, instance_path=str(tmp_path / "instance"))
    profiling.init_app(app)
    assert _get(app.wsgi_app, "/diary/12") == ("200 OK", b"hello world")
    assert _get(app.wsgi_app, "/journal") == ("200 OK", b"hello world")
    files = list(tmp_path.glob("*.prof"))
    assert len(files) == 1 and "GET-diary_12" in files[0].name
    assert any("_hello" in name for _file, _line, name in pstats.Stats(str(files[0])).stats)
    monkeypatch.setenv(profiling.ENV, "0")
    plain = SimpleNamespace(wsgi_app=_hello, instance_path=str(tmp_path))
    profiling.init_app(plain)
    assert plain.wsgi_app is _hello
