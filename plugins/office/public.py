"""What other plugins may use of the office: the consent register in numbers (no names), for the
municipality's figures. Everything else in the plugin is private; import-linter holds other plugins to
this module.
"""
from __future__ import annotations

from plugins.office.consent_rules import ConsentCounts, consent_counts

__all__ = ["ConsentCounts", "consent_counts"]
