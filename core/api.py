"""The old name of the plugins' toolkit, kept for one release: use ``core.toolkit``.

Everything ``core.toolkit`` exports is re-exported here unchanged, so plugins written against
``core.api`` keep working; this module will be removed in the next release.
"""
from __future__ import annotations

from core.toolkit import *  # noqa: F403
from core.toolkit import __all__ as __all__  # noqa: F401
