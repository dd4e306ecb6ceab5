"""Reactions to a mail's life (notifications, webhooks) key on journal actions by their code:
a code that is not a registered journal action would never fire."""

from __future__ import annotations


def test_every_action_a_reaction_names_is_a_journal_action():
    """Reactions key on journal actions by their code: a typo would never fire."""
    from api.webhooks import EVENTS
    from courrier.extensions import journal_action
    from notifications.subscribers import HANDLERS, WATCHED_JOURNAL_ACTIONS

    named = set(HANDLERS) | set(EVENTS) | set(WATCHED_JOURNAL_ACTIONS)
    unknown = sorted(code for code in named if journal_action(code) is None)
    assert unknown == []
