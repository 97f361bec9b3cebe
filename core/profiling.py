"""``KLASS_PROFILE_REQUESTS=1``: profile every request with the standard library's cProfile.

Why a switch and not a permanent middleware: profiling doubles a request's CPU time, so it is off unless
the environment asks for it, and then costs nothing to set up (no extra dependency, no code in views).
Each profiled request writes ``<instance>/profiles/<time>-<method>-<path>.prof`` (open it with
``python -m pstats`` or snakeviz) and logs its ten most expensive functions by cumulative time at INFO on
the ``klass.profile`` logger. ``KLASS_PROFILE_REQUESTS`` may also be a path prefix (``/diary``) to profile
only the pages under it; ``KLASS_PROFILE_DIR`` overrides the folder.
"""
from __future__ import annotations

import cProfile
import io
import logging
import os
import pstats
import re
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

log = logging.getLogger("klass.profile")


class ProfilingMiddleware:
    """WSGI middleware: one cProfile run around each request whose path starts with ``prefix``.

    The whole response body is consumed inside the profile, so template rendering streamed by Flask
    is counted too."""

    def __init__(self, app: Callable[..., Iterable[bytes]], folder: Path, prefix: str = "/") -> None:
        self.app, self.folder, self.prefix = app, folder, prefix
        folder.mkdir(parents=True, exist_ok=True)

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        path = environ.get("PATH_INFO", "/")
        if not path.startswith(self.prefix):
            return self.app(environ, start_response)
        profile = cProfile.Profile()
        started = time.perf_counter()
        profile.enable()
        try:
            body = list(self.app(environ, start_response))
        finally:
            profile.disable()
        elapsed = (time.perf_counter() - started) * 1000
        name = re.sub(r"[^A-Za-z0-9]+", "_", path).strip("_") or "root"
        target = self.folder / f"{time.strftime('%Y%m%d-%H%M%S')}-{os.getpid()}-{environ.get('REQUEST_METHOD', 'GET')}-{name}.prof"
        profile.dump_stats(str(target))
        if log.isEnabledFor(logging.INFO):
            out = io.StringIO()
            pstats.Stats(profile, stream=out).sort_stats("cumulative").print_stats(10)
            log.info("%s %s: %.1f ms, profile in %s\n%s", environ.get("REQUEST_METHOD"), path, elapsed, target,
                     out.getvalue())
        return body


def install(app: Any) -> None:
    """Wrap ``app.wsgi_app`` when ``KLASS_PROFILE_REQUESTS`` is set (``1`` = every path, ``/x`` = under it)."""
    switch = os.environ.get("KLASS_PROFILE_REQUESTS", "").strip()
    if not switch or switch == "0":
        return
    prefix = switch if switch.startswith("/") else "/"
    folder = Path(os.environ.get("KLASS_PROFILE_DIR") or Path(app.instance_path) / "profiles")
    app.wsgi_app = ProfilingMiddleware(app.wsgi_app, folder, prefix)
