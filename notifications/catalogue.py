"""The notification catalogue: each kind of event people are told about, with its sentence and
what it does by default (at once, in the daily digest, or not at all)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from notifications.models import Mode


@dataclass(frozen=True)
class Kind:
    code: str
    label: str | Promise  # on the preferences page
    sentence: str | Promise  # %(chrono)s and %(subject)s come from the mail, the rest from params
    default: str = Mode.IMMEDIATE
    audience: str = "agents"  # who may choose it: agents, managers, clerks, administrators


KINDS = [
    Kind(
        "followed_closed",
        _("A mail I follow is closed"),
        _("%(chrono)s “%(subject)s”, which you follow, is closed"),
    ),
    Kind(
        "mail_arrived",
        _("Mail arrived in my baskets or my service's"),
        _("New mail for you: %(chrono)s “%(subject)s”"),
        Mode.DIGEST,
    ),
    Kind(
        "redirected_to_me",
        _("Mail redirected or assigned to me"),
        _("%(actor)s gave you %(chrono)s “%(subject)s”"),
    ),
    Kind(
        "copy_received",
        _("Copy received"),
        _("Copy of %(chrono)s “%(subject)s” for information"),
        Mode.DIGEST,
    ),
    Kind(
        "opinion_asked",
        _("My opinion is asked"),
        _("%(actor)s asks your opinion on %(chrono)s by %(deadline)s"),
    ),
    Kind(
        "opinion_answered",
        _("An opinion I asked for is given"),
        _("%(actor)s gave an opinion on %(chrono)s"),
    ),
    Kind(
        "opinion_late",
        _("An opinion asked of me is late"),
        _("Your opinion on %(chrono)s was expected by %(deadline)s"),
    ),
    Kind(
        "visa_waiting",
        _("A reply waits for my visa"),
        _("The reply to %(chrono)s “%(subject)s” waits for your visa"),
        audience="managers",
    ),
    Kind(
        "signature_waiting",
        _("A reply waits for my signature"),
        _("The reply to %(chrono)s “%(subject)s” waits for your signature"),
        audience="managers",
    ),
    Kind(
        "draft_returned",
        _("A reply draft is sent back"),
        _("%(actor)s sent back the reply draft of %(chrono)s “%(subject)s”"),
    ),
    Kind(
        "reminder1",
        pgettext_lazy("notification", "First reminder before the due date"),
        _("Reminder: %(chrono)s “%(subject)s” is due on %(due)s"),
    ),
    Kind(
        "late",
        _("Mail becomes late"),
        _("%(chrono)s “%(subject)s” is late: it was due on %(due)s"),
    ),
    Kind(
        "reminder2",
        pgettext_lazy("notification", "Second reminder after the due date"),
        _("Second reminder: %(chrono)s “%(subject)s” was due on %(due)s"),
    ),
    Kind(
        "escalation",
        _("Mail of my services near its due date (managers)"),
        _("%(chrono)s in %(entity)s has used %(percent)s %% of its delay (due on %(due)s)"),
        audience="managers",
    ),
    Kind(
        "implicit_decision",
        _("An implicit decision is born"),
        _("%(decision)s of %(chrono)s “%(subject)s” born on %(born_on)s"),
    ),
    Kind(
        "parapheur_return",
        _("The external parapheur returned a reply"),
        _("The parapheur returned the reply to %(chrono)s: %(outcome)s"),
    ),
    Kind(
        "capture_error",
        _("Capture errors (mail room)"),
        _("Capture failed for “%(file)s”: %(reason)s"),
        audience="clerks",
    ),
    Kind(
        "monthly_report",
        _("Monthly statistics report of my services (managers)"),
        _("The statistics report of %(entity)s for %(month)s is ready"),
        audience="managers",
    ),
    Kind(
        "journal_failure",
        _("Journal verification failure (administrators)"),
        _("The journal check found %(count)s problem(s): %(first)s"),
        audience="administrators",
    ),
]
CATALOGUE = {kind.code: kind for kind in KINDS}


def sentence(code: str, params: dict[str, Any]) -> str:
    """The notification's sentence in the active language; a missing detail shows as "?"."""
    kind = CATALOGUE.get(code)
    if kind is None:
        return str(_("Notification"))
    return str(kind.sentence) % _Defaulting(params)


class _Defaulting(dict[str, Any]):
    def __missing__(self, key: str) -> str:
        return "?"
