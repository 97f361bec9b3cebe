"""Every school profile loads, and each encodes its own regulation without code changes."""
from __future__ import annotations

import pytest

from core.config import available_profiles
from tests.conftest import sign_in


def test_the_four_agreed_profiles_exist():
    assert {"default", "netschool", "inklass", "school_portal"} <= set(available_profiles())


@pytest.mark.parametrize("profile", available_profiles())
def test_every_profile_starts_and_serves_pages(make_app, profile):
    app = make_app(profile)
    client = sign_in(app.test_client(), "zavuch")
    page = client.get("/")
    assert page.status_code == 200 and "Здравствуйте, Ирина" in page.text  # the deputy's own start page
    assert app.extensions["klass"].settings["klass"]["title"] in page.text
    enabled = set(app.extensions["klass"].plugins)
    assert "gradebook" in enabled


def test_profiles_differ_where_schools_differ(make_app):
    inklass = make_app("inklass").extensions["klass"]
    portal = make_app("school_portal").extensions["klass"]
    assert inklass.settings["school"]["term_system"] == "trimesters"
    assert inklass.plugins["gradebook"].settings["rounding"] == "standard"
    assert portal.plugins["gradebook"].settings["edit_window_days"] == 2
    assert portal.plugins["attendance"].settings["missing_after_days"] == 1
