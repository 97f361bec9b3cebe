"""The release artefacts work for someone who never saw the checkout.

``python -m build`` makes the sdist and, from it, the wheel; the wheel goes into a fresh virtualenv and,
from an empty directory, ``klass db upgrade`` and ``klass demo`` run and a signed-in demo user opens one
page of every plugin. Dependencies are not downloaded again: the new venv sees this venv's site-packages
through a ``.pth`` path line, which does not activate this venv's editable install of the checkout, so
``core`` and ``plugins`` can only come from the wheel (the probe reports where ``core`` was imported from).

Slow (about 40 s, mostly the isolated build): one test, so it holds one xdist worker; ``-m "not wheel"``
skips it while iterating.
"""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import sysconfig
import tarfile
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PASSWORD = "wheel-demo-password"
# Demo logins tried in turn for each plugin: the first whose menu shows one of its pages opens it.
LOGINS = ["director", "admin", "zavuch", "region"]  # region: the demo municipality's coordinator

PROBE = r'''
"""Inside the wheel's venv: sign in and open the first menu page of every enabled plugin."""
import json
import re
import sys
from pathlib import Path

from flask import url_for
from sqlalchemy import select

import core
import plugins
from core import create_app
from core.pdf import FONT_DIR

password, logins = sys.argv[1], sys.argv[2:]
app = create_app()
state = app.extensions["klass"]
office_fonts = Path(list(plugins.__path__)[0]) / "office" / "fonts"

report = {"core_file": core.__file__, "plugins_dir": list(plugins.__path__)[0], "instance": app.instance_path,
          "fonts": sorted(p.name for p in FONT_DIR.glob("*.ttf")),
          "office_fonts": sorted(p.name for p in office_fonts.glob("*.ttf")),
          "enabled": sorted(state.plugins), "pages": {}}
with app.test_request_context():
    from core.models import User
    from core.permissions import can

    from core.models import ClassMembership, GuardianLink

    # Family-only plugins (the calendar feeds) show their page to a guardian or a student.
    logins += [state.session().scalar(select(User.login).join(GuardianLink, GuardianLink.guardian_id == User.id)
                                      .order_by(User.id).limit(1)),
               state.session().scalar(select(User.login).join(ClassMembership, ClassMembership.student_id == User.id)
                                      .order_by(User.id).limit(1))]
    users = {u.login: u for u in state.session().scalars(select(User).where(User.login.in_(logins)))}
    for name in state.plugins:
        impls = [i for i in state.pm.hook.register_menu_items.get_hookimpls() if i.plugin_name == name]
        for login in logins:
            items = [item for impl in impls for item in impl.function(user=users[login]) or []
                     if can(users[login], item.permission)]
            if items:
                report["pages"][name] = {"login": login, "title": str(items[0].title),
                                         "url": url_for(items[0].endpoint, **items[0].url_values)}
                break
for page in report["pages"].values():
    client = app.test_client()
    html = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html)
    form = {"login": page["login"], "password": password, **({"csrf_token": token.group(1)} if token else {})}
    page["signed_in"] = client.post("/login", data=form).status_code == 302
    response = client.get(page["url"])
    page.update(status=response.status_code, html=response.get_data(as_text=True))
    css = re.search(r'href="(/static/[^"?]+\.css)', page["html"])
    page["css"] = css and client.get(css.group(1)).get_data(as_text=True)[:2000]
print(json.dumps(report, ensure_ascii=False))
'''


def _run(args: list[str | Path], cwd: Path, env: dict[str, str], timeout: int = 120) -> str:
    result = subprocess.run([str(a) for a in args], cwd=cwd, env=env, capture_output=True, text=True,
                            timeout=timeout)
    assert result.returncode == 0, f"{args} failed:\n{result.stdout}\n{result.stderr}"
    return result.stdout


def _outside_env() -> dict[str, str]:
    """The environment of a stranger: nothing pointing at the checkout, its database or its settings."""
    return {k: v for k, v in os.environ.items()
            if not k.startswith("KLASS_") and k not in {"PYTHONPATH", "DATABASE_URL", "VIRTUAL_ENV"}}


@pytest.mark.wheel
def test_installed_wheel_runs_the_demo_and_serves_every_plugin(tmp_path: Path) -> None:
    env = _outside_env()
    # Built from a copy: making the sdist writes klass.egg-info into the source tree, which the other
    # tests (running in parallel, with the checkout on sys.path) must not see appear.
    source = tmp_path / "source"
    shutil.copytree(ROOT, source, ignore=shutil.ignore_patterns(
        ".git", ".venv", "instance", "build", "*.egg-info", "__pycache__", "*.mo", ".*_cache", "tests", "bench"))
    dist = tmp_path / "dist"
    _run([sys.executable, "-m", "build", "--outdir", dist, source], cwd=tmp_path, env=env, timeout=300)
    (wheel,) = dist.glob("klass-*.whl")
    (sdist,) = dist.glob("klass-*.tar.gz")

    wheel_files = zipfile.ZipFile(wheel).namelist()
    for needed in ["core/templates/core/base.html", "core/settings/default.toml", "core/settings/profiles/netschool.toml",
                   "core/migrations/env.py", "core/migrations/versions/0001_core_schema.py",
                   "core/translations/ru/LC_MESSAGES/messages.mo", "core/fonts/DejaVuSans.ttf",
                   "plugins/office/fonts/DejaVuSansMono-Bold.ttf",
                   "plugins/gradebook/migrations/0001_gradebook_schema.py",
                   "plugins/gradebook/translations/ru/LC_MESSAGES/messages.mo"]:
        assert needed in wheel_files, f"{needed} is missing from the wheel"
    assert not [f for f in wheel_files if f.endswith(".po") or "__pycache__" in f]
    sdist_files = [n.split("/", 1)[1] for n in tarfile.open(sdist).getnames() if "/" in n]
    assert "core/translations/ru/LC_MESSAGES/messages.po" in sdist_files
    assert "setup.py" in sdist_files and "core/settings/default.toml" in sdist_files
    assert not [f for f in sdist_files if f.endswith(".mo")]

    venv = tmp_path / "venv"
    _run([sys.executable, "-m", "venv", "--without-pip", venv], cwd=tmp_path, env=env)
    python = venv / "bin" / "python"
    _run([sys.executable, "-m", "pip", "--python", python, "install", "--quiet", "--no-deps", "--no-index",
          wheel], cwd=tmp_path, env=env)
    site = Path(_run([python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                     cwd=tmp_path, env=env).strip())
    (site / "_klass_test_dependencies.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")

    school = tmp_path / "school"
    school.mkdir()
    assert "Database schema is up to date" in _run([venv / "bin" / "klass", "db", "upgrade"], cwd=school, env=env)
    demo = _run([venv / "bin" / "klass", "demo", "--password", PASSWORD], cwd=school, env=env)
    assert "director" in demo
    (tmp_path / "probe.py").write_text(PROBE)
    report = json.loads(_run([python, tmp_path / "probe.py", PASSWORD, *LOGINS], cwd=school, env=env))

    assert Path(report["core_file"]).is_relative_to(site), "core was imported from the checkout, not the wheel"
    assert Path(report["plugins_dir"]).is_relative_to(site)
    assert Path(report["instance"]) == school / "instance"  # the cwd, never site-packages
    assert (school / "instance" / "klass.sqlite3").is_file()
    assert report["fonts"] == ["DejaVuSans-Bold.ttf", "DejaVuSans-BoldOblique.ttf", "DejaVuSans-Oblique.ttf", "DejaVuSans.ttf"]
    assert report["office_fonts"] == ["DejaVuSansMono-Bold.ttf"]
    assert {"gradebook", "attendance", "timetable", "office", "reports", "print_archive", "diary"} <= set(
        report["enabled"]), "the default profile lost a plugin"
    assert set(report["pages"]) == set(report["enabled"]), "a plugin showed the demo users no page"
    for name, page in report["pages"].items():
        assert page["signed_in"], f"{page['login']} could not sign in"
        assert page["status"] == 200, f"{name} {page['url']}: {page['status']}"
        # The menu title comes through the compiled catalog: Russian, and printed on the page it opens.
        assert any("а" <= ch <= "я" for ch in page["title"].lower()), f"{name}: untranslated {page['title']!r}"
        assert page["title"] in page["html"], f"{name} {page['url']} does not show {page['title']!r}"
        assert page["css"] and "{" in page["css"], f"{name}: the page's stylesheet is not served"
