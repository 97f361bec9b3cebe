"""One answer for every channel that sends e-mail: may this person receive this kind of information
electronically? The register of consents belongs to a plugin (the office); the core asks it through the
``electronic_consent`` hook and never imports it, so a school without the office sends as before."""
from __future__ import annotations

from sqlalchemy.orm import Session

from core.app import state

KINDS = ("mail_notice", "diary_notification", "digest", "information_letter", "report_subscription")


def may_email(session: Session, user_id: int, kind: str) -> bool:
    """False when the person refused electronic information (or processing of personal data) in the
    consent register; True otherwise, including when no register answers. Every e-mail channel asks this
    right before sending, so a refusal recorded a minute ago already holds."""
    answer = state().pm.hook.electronic_consent(session=session, user_id=user_id, kind=kind)
    return answer is not False
