"""Template helpers of the mail core."""

from __future__ import annotations

from django import template

from courrier.extensions import journal_action_label

register = template.Library()


@register.filter
def action_label(action: str) -> str:
    """The journal action in words, as the app that records it describes it."""
    return journal_action_label(action)
