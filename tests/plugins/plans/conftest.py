"""API tokens for the plans' API tests."""
from __future__ import annotations

from typing import Any

import pytest

from core.models import User


@pytest.fixture
def api_token(session: Any) -> Any:
    """``api_token(user)``: headers with a fresh personal API token of that user."""
    from core.models import ApiToken
    from core.security import new_api_token

    def make(user: User) -> dict[str, str]:
        token_value, digest = new_api_token()
        session.add(ApiToken(school_id=user.school_id, user_id=user.id, name="test", token_hash=digest))
        session.commit()
        return {"Authorization": f"Bearer {token_value}"}

    return make
