"""The community plugins share their people and sections (tests/plugins/community_fixtures.py)."""
from tests.plugins.community_fixtures import api_token, forum  # noqa: F401
