"""``KLASS_PROFILE_REQUESTS``: a profile per request when asked for, nothing otherwise (bench/README.md)."""
from __future__ import annotations

import pstats
from types import SimpleNamespace

from core import profiling


def _hello(environ, start_response):
    start_response("200 OK", [("Content-Type", "text/plain")])
    return [b"hello ", b"world"]


def _get(app, path):
    statuses = []
    body = b"".join(app({"PATH_INFO": path, "REQUEST_METHOD": "GET"}, lambda s, h: statuses.append(s)))
    return statuses[0], body


def test_each_request_under_the_prefix_leaves_a_readable_profile(tmp_path, monkeypatch):
    monkeypatch.setenv("KLASS_PROFILE_REQUESTS", "/diary")
    monkeypatch.setenv("KLASS_PROFILE_DIR", str(tmp_path))
    app = SimpleNamespace(wsgi_app=_hello, instance_path=str(tmp_path / "instance"))
    profiling.install(app)
    assert _get(app.wsgi_app, "/diary/12") == ("200 OK", b"hello world")
    assert _get(app.wsgi_app, "/journal") == ("200 OK", b"hello world")
    files = list(tmp_path.glob("*.prof"))
    assert len(files) == 1 and "GET-diary_12" in files[0].name
    assert any("_hello" in name for _file, _line, name in pstats.Stats(str(files[0])).stats)


def test_off_unless_the_variable_says_so(tmp_path, monkeypatch):
    monkeypatch.delenv("KLASS_PROFILE_REQUESTS", raising=False)
    app = SimpleNamespace(wsgi_app=_hello, instance_path=str(tmp_path))
    profiling.install(app)
    assert app.wsgi_app is _hello
    monkeypatch.setenv("KLASS_PROFILE_REQUESTS", "0")
    profiling.install(app)
    assert app.wsgi_app is _hello
