"""The deployment's content generation: a token that changes whenever cached page data may have."""
from __future__ import annotations

from sqlalchemy import BigInteger
from sqlalchemy.orm import Mapped, mapped_column

from core.db import Base


class ContentGeneration(Base):
    """One row (id 1). ``core.content_cache`` replaces its token with a new random one in every
    transaction that writes a watched table, and keys its per-process caches by it (see there)."""

    __tablename__ = "core_content_generation"

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    token: Mapped[int] = mapped_column(BigInteger)
