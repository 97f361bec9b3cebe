"""Regenerate the help guides' screenshots from the demo school (same as `klass help screenshots`)."""
from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from plugins.help.screenshots import main  # noqa: E402

if __name__ == "__main__":
    for written in main(sys.argv[1] if len(sys.argv) > 1 else "/usr/bin/chromium"):
        print(written)
