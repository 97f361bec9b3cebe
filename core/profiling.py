"""``KLASS_PROFILE_REQUESTS=1``: a profile of every request, written to ``instance/profiles/``.

Why a switch and not a debugger: a slow page is slow for reasons spread over sign-in, hooks, queries and
templates, and a profile of the real request (with every enabled plugin) shows them all at once. It is
off by default and costs nothing then; it is meant for a development or bench instance, never production
(profiling doubles a request's time and the files pile up).

``1`` (or ``cprofile``) writes a ``pstats`` file per request (``python -m pstats FILE``, or snakeviz);
``pyinstrument`` writes pyinstrument's HTML instead, when that package is installed (it is not a
dependency of Klass: ``pip install pyinstrument``).
"""
from __future__ import annotations

import os
import re
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

ENV = "KLASS_PROFILE_REQUESTS"


def init_app(app: Any) -> None:
    """Wrap the WSGI app in the profiler when the switch is set (read once, at start-up)."""
    mode = os.environ.get(ENV, "").strip().lower()
    if mode in ("", "0", "false", "no", "off"):
        return
    folder = Path(app.instance_path) / "profiles"
    folder.mkdir(parents=True, exist_ok=True)
    app.wsgi_app = _Profiled(app.wsgi_app, folder, mode)  # type: ignore[method-assign]
    app.logger.warning("%s=%s: profiling every request into %s", ENV, mode, folder)


class _Profiled:
    """WSGI middleware: run the request (and the iteration of its body) under a profiler."""

    def __init__(self, wsgi: Callable[..., Iterable[bytes]], folder: Path, mode: str) -> None:
        self.wsgi, self.folder, self.mode = wsgi, folder, mode

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> list[bytes]:
        path = environ.get("PATH_INFO", "/")
        name = f"{time.strftime('%Y%m%d-%H%M%S')}-{time.perf_counter_ns() % 10**9:09d}-" \
               f"{environ.get('REQUEST_METHOD', 'GET')}-{re.sub(r'[^A-Za-z0-9]+', '_', path).strip('_') or 'root'}"
        if self.mode == "pyinstrument":
            from pyinstrument import Profiler

            profiler = Profiler()
            profiler.start()
            try:
                body = list(self.wsgi(environ, start_response))
            finally:
                profiler.stop()
                (self.folder / f"{name}.html").write_text(profiler.output_html(), encoding="utf-8")
            return body
        import cProfile

        profile = cProfile.Profile()
        profile.enable()
        try:
            body = list(self.wsgi(environ, start_response))
        finally:
            profile.disable()
            profile.dump_stats(str(self.folder / f"{name}.prof"))
        return body
