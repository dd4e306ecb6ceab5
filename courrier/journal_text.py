"""Journal events as people read them: a sentence each, with names instead of codes.

An event's details hold references (entity codes, usernames, contact ids, ISO dates) so that
the journal stays a record; here they become what a user recognises (service labels, people's
names, dates in the active language), and the action's sentence (declared by the app that
records it, see `JournalAction.sentences`) is filled with them. A sentence needing a detail the
event lacks is skipped for the next one; the action's label is the last resort. Nothing here
reveals more than the details already do: restricted notes are never in them.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from courrier.chain import marked_by
from courrier.extensions import journal_action
from courrier.models import (
    Channel,
    Contact,
    DocumentType,
    Entity,
    JournalEvent,
    JournalPersonal,
    User,
)
from courrier.services.chaining import journal_key

ENTITY_KEYS = {"to", "from", "entity", "destination_entity"}
SENT_BY = {"email": gettext_lazy("e-mail"), "post": gettext_lazy("post")}
ENTITY_LIST_KEYS = {"restricted_to", "note_restricted_to"}
USER_KEYS = {"user", "assignee", "next", "by"}
PLACEHOLDER = re.compile(r"%\((\w+)\)s")
ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
ISO_DATETIME = re.compile(r"^\d{4}-\d{2}-\d{2}T")


@dataclass(frozen=True)
class ReadableEvent:
    event: JournalEvent
    actor: str
    on_behalf_of: str
    sentence: str


class _Names:
    """Labels and names looked up once for a whole history."""

    def __init__(self, events: Sequence[JournalEvent]) -> None:
        codes: set[str] = set()
        usernames: set[str] = {e.actor_name for e in events} | {e.on_behalf_of_name for e in events}
        contact_ids: set[int] = set()
        for event in events:
            for key, value in (event.details or {}).items():
                if key in ENTITY_KEYS and isinstance(value, str):
                    codes.add(value)
                    usernames.add(value)  # "from" may name a person (a lock taken over)
                elif key in ENTITY_LIST_KEYS and isinstance(value, list):
                    codes.update(str(v) for v in value)
                elif key in USER_KEYS and isinstance(value, str):
                    usernames.add(value)
                elif key == "senders" and isinstance(value, list):
                    contact_ids.update(int(v) for v in value if isinstance(v, int))
        self.entities = dict(Entity.objects.filter(code__in=codes).values_list("code", "label"))
        self.types = dict(DocumentType.objects.values_list("code", "label"))
        self.users = {
            u.username: u.get_full_name() or u.username
            for u in User.objects.filter(username__in=usernames - {""})
        }
        self.contacts = {c.pk: c.display_name for c in Contact.objects.filter(pk__in=contact_ids)}

    def user(self, username: str) -> str:
        if username == "system" or not username:
            return _("Bannette (automatic)")
        return self.users.get(username, username)

    def present(self, key: str, value: Any) -> str:
        if value is None or value == "" or value == []:
            return ""
        if key in ENTITY_KEYS and isinstance(value, str):
            return self.entities.get(value) or self.users.get(value) or value
        if key in ENTITY_LIST_KEYS and isinstance(value, list):
            return ", ".join(self.entities.get(str(v), str(v)) for v in value)
        if key in USER_KEYS and isinstance(value, str):
            return self.user(value)
        if key == "channel" and isinstance(value, str):
            labels: dict[str, Any] = {**dict(Channel.choices), **SENT_BY}
            return str(labels.get(value, value))
        if key == "document_type" and isinstance(value, str):
            return self.types.get(value, value)
        if key == "senders" and isinstance(value, list):
            return ", ".join(self.contacts.get(v, "?") for v in value if isinstance(v, int))
        if isinstance(value, bool):
            return _("yes") if value else _("no")
        if isinstance(value, str) and ISO_DATE.match(value):
            return date_format(datetime.date.fromisoformat(value), "DATE_FORMAT")
        if isinstance(value, str) and ISO_DATETIME.match(value):
            moment = datetime.datetime.fromisoformat(value)
            return date_format(moment, "SHORT_DATETIME_FORMAT")
        if isinstance(value, list):
            return ", ".join(self.present(key, v) for v in value)
        return str(value)


def _sentence(event: JournalEvent, names: _Names, personal: Mapping[str, Any]) -> str:
    action = journal_action(event.action)
    if action is None:
        return _("Recorded action")  # an app that is no longer installed described it
    details: Mapping[str, Any] = {**(event.details or {}), **personal}
    presented = {key: names.present(key, value) for key, value in details.items()}
    for sentence in action.sentences:
        text = str(sentence)
        if all(presented.get(key) for key in PLACEHOLDER.findall(text)):
            return text % presented
    return str(action.label)


def readable_events(events: Iterable[JournalEvent]) -> list[ReadableEvent]:
    """Each event with who did it (names, not logins) and what happened, in a sentence.

    Only the events Bannette wrote: one inserted or rewritten in the database (without a valid
    mark of origin) is never shown as history; the verifier and the status page name it."""
    key = journal_key()
    listed = [event for event in events if marked_by(key, event)]
    names = _Names(listed)
    personal = {  # what the events say of people, unless it was erased since
        row.event_seq: row.data
        for row in JournalPersonal.objects.filter(
            event_seq__in=[e.seq for e in listed if "personal" in (e.details or {})]
        )
    }
    return [
        ReadableEvent(
            event=event,
            actor=names.user(event.actor_name),
            on_behalf_of=names.user(event.on_behalf_of_name) if event.on_behalf_of_name else "",
            sentence=_sentence(event, names, personal.get(event.seq, {})),
        )
        for event in listed
    ]
