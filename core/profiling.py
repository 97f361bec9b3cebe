"""``KLASS_PROFILE_REQUESTS``: a profile of every request (or of the pages under a path), written to
``instance/profiles/`` (or ``KLASS_PROFILE_DIR``).

Why a switch and not a debugger: a slow page is slow for reasons spread over sign-in, hooks, queries and
templates, and a profile of the real request (with every enabled plugin) shows them all at once. It is
off by default and costs nothing then; it is meant for a development or bench instance, never production
(profiling doubles a request's time and the files pile up).

``1`` (or ``cprofile``) writes a ``pstats`` file per request (``python -m pstats FILE``, or snakeviz) and
logs its ten most expensive functions at INFO on ``klass.profile``; a path prefix (``/diary``) does the
same for the pages under it only; ``pyinstrument`` writes pyinstrument's HTML instead, when that package
is installed (it is not a dependency of Klass: ``pip install pyinstrument``).
"""
from __future__ import annotations

import io
import logging
import os
import pstats
import re
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

ENV = "KLASS_PROFILE_REQUESTS"
log = logging.getLogger("klass.profile")


def init_app(app: Any) -> None:
    """Wrap the WSGI app in the profiler when the switch is set (read once, at start-up)."""
    mode = os.environ.get(ENV, "").strip()
    if mode.lower() in ("", "0", "false", "no", "off"):
        return
    folder = Path(os.environ.get("KLASS_PROFILE_DIR") or Path(app.instance_path) / "profiles")
    folder.mkdir(parents=True, exist_ok=True)
    prefix = mode if mode.startswith("/") else "/"
    kind = "pyinstrument" if mode.lower() == "pyinstrument" else "cprofile"
    app.wsgi_app = _Profiled(app.wsgi_app, folder, kind, prefix)
    log.warning("%s=%s: profiling requests under %s into %s", ENV, mode, prefix, folder)


class _Profiled:
    """WSGI middleware: run the request and the iteration of its body (streamed templates) under a profiler."""

    def __init__(self, wsgi: Callable[..., Iterable[bytes]], folder: Path, kind: str, prefix: str) -> None:
        self.wsgi, self.folder, self.kind, self.prefix = wsgi, folder, kind, prefix

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        path = environ.get("PATH_INFO", "/")
        if not path.startswith(self.prefix):
            return self.wsgi(environ, start_response)
        name = f"{time.strftime('%Y%m%d-%H%M%S')}-{os.getpid()}-{time.perf_counter_ns() % 10**9:09d}-" \
               f"{environ.get('REQUEST_METHOD', 'GET')}-{re.sub(r'[^A-Za-z0-9]+', '_', path).strip('_') or 'root'}"
        if self.kind == "pyinstrument":
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
        started = time.perf_counter()
        profile.enable()
        try:
            body = list(self.wsgi(environ, start_response))
        finally:
            profile.disable()
            profile.dump_stats(str(self.folder / f"{name}.prof"))
        if log.isEnabledFor(logging.INFO):
            out = io.StringIO()
            pstats.Stats(profile, stream=out).sort_stats("cumulative").print_stats(10)
            log.info("%s %s: %.1f ms\n%s", environ.get("REQUEST_METHOD"), path,
                     (time.perf_counter() - started) * 1000, out.getvalue())
        return body
