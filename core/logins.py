"""Logins from Russian names: «Иванова Мария» → ``ivanova.m``, made unique within the school (another school
of the deployment may have its own ``ivanova.m``: sign-in tells them apart, core.tenancy)."""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.models import User

# The passport transliteration (ICAO, as in Russian foreign passports since 2014).
_TRANSLIT = {
    "а": "a", "б": "b", "в": "v", "г": "g", "д": "d", "е": "e", "ё": "e", "ж": "zh", "з": "z", "и": "i",
    "й": "i", "к": "k", "л": "l", "м": "m", "н": "n", "о": "o", "п": "p", "р": "r", "с": "s", "т": "t",
    "у": "u", "ф": "f", "х": "kh", "ц": "ts", "ч": "ch", "ш": "sh", "щ": "shch", "ъ": "ie", "ы": "y",
    "ь": "", "э": "e", "ю": "iu", "я": "ia",
}


def transliterate(text: str) -> str:
    out = []
    for ch in text.lower():
        if ch in _TRANSLIT:
            out.append(_TRANSLIT[ch])
        elif ch.isascii() and ch.isalnum():
            out.append(ch)
    return "".join(out)


def login_base(last_name: str, first_name: str) -> str:
    base = transliterate(last_name) or "user"
    initial = transliterate(first_name)[:1]
    return f"{base}.{initial}" if initial else base


def unique_login(session: Session, last_name: str, first_name: str, taken: set[str] | None = None, *,
                 school_id: int | None = None) -> str:
    """The first free of ``ivanova.m``, ``ivanova.m2``, ``ivanova.m3``... in ``school_id``'s school (in the
    whole deployment when it is not given, as before schools had their own logins: never wrong, only
    stricter); ``taken`` covers a batch not yet flushed."""
    base = login_base(last_name, first_name)
    query = select(User.login).where(User.login.like(f"{base}%"))
    if school_id is not None:
        query = query.where(User.school_id == school_id)
    existing = set(session.scalars(query))
    existing |= taken or set()
    candidate, n = base, 1
    while candidate in existing:
        n += 1
        candidate = f"{base}{n}"
    if taken is not None:
        taken.add(candidate)
    return candidate
