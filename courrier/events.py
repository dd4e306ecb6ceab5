"""Domain events: what happened to mail, published by the core for the apps built on top of it.

The core never imports an upper app. When something happens that others react to (indexing,
PDF conversion, visa circuits, and later notifications, statistics, webhooks), the service that
made the change publishes one of the events below; each app subscribes its handlers in its own
`AppConfig.ready()`.

A handler runs after the change is committed, unless it subscribes with `in_transaction=True`
(it must then see or write inside the change's transaction: voiding a visa circuit when its
draft changes, writing a webhook's delivery row). An in-transaction handler is part of the
change: **its failure fails the change** (nothing half-done is committed), unless it subscribes
with `best_effort=True` (indexing: an index late by one change is mended by the mail's next change or
a rebuild), in which case it runs in a savepoint rolled back alone, and is logged. A handler after
commit never undoes the change; its failure is logged. Handlers that do slow work queue a
Celery task, whose retries are the task's own.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from typing import Any, Generic, TypeVar

from django.db import transaction

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class DomainEvent:
    """Base of every event: plain ids and values, never model instances (safe after commit)."""


@dataclass(frozen=True)
class JournalEventRecorded(DomainEvent):
    """Any event appended to the probative journal (mail-related or not)."""

    seq: int
    action: str
    object_type: str
    object_id: str
    mail_id: int | None
    actor_id: int | None
    on_behalf_of_id: int | None


@dataclass(frozen=True)
class MailChanged(DomainEvent):
    """A journaled change to one mail: registration, qualification, note, diffusion, closing..."""

    mail_id: int
    action: str
    seq: int
    actor_id: int | None


@dataclass(frozen=True)
class MailRegistered(DomainEvent):
    """A new mail has its chrono number (captured, typed in, or an outgoing reply)."""

    mail_id: int
    category: str
    channel: str
    status: str


@dataclass(frozen=True)
class MailDeleted(DomainEvent):
    """A mail row was deleted (administration); its id is all that is left."""

    mail_id: int


@dataclass(frozen=True)
class AttachmentVersionAdded(DomainEvent):
    """A user added a file to a mail: a new attachment (number 1) or a new version of one."""

    mail_id: int
    attachment_id: int
    version_id: int
    number: int
    file_name: str
    actor_id: int | None


@dataclass(frozen=True)
class JournalCheckFailed(DomainEvent):
    """The nightly verification found the journal edited, cut or reordered."""

    problems: tuple[str, ...]


E = TypeVar("E", bound=DomainEvent)


@dataclass(frozen=True)
class Subscription(Generic[E]):
    event_type: type[E]
    handler: Callable[[E], None]
    in_transaction: bool
    best_effort: bool = False

    @property
    def name(self) -> str:
        return f"{self.handler.__module__}.{self.handler.__qualname__}"


_subscriptions: list[Subscription[Any]] = []


def subscribe(
    event_type: type[E],
    handler: Callable[[E], None],
    *,
    in_transaction: bool = False,
    best_effort: bool = False,
) -> None:
    """Call `handler` for every `event_type` published (after commit unless `in_transaction`;
    an in-transaction handler's failure fails the change unless `best_effort`)."""
    subscription = Subscription(event_type, handler, in_transaction, best_effort)
    if not any(s.name == subscription.name and s.event_type is event_type for s in _subscriptions):
        _subscriptions.append(subscription)


def subscriptions(event_type: type[DomainEvent] | None = None) -> list[Subscription[Any]]:
    """The registry, in subscription order (for the README's list and for tests)."""
    return [s for s in _subscriptions if event_type is None or s.event_type is event_type]


def publish(event: DomainEvent) -> None:
    """Hand the event to its subscribers; outside a transaction, all of them run now."""
    for subscription in subscriptions(type(event)):
        if subscription.in_transaction and subscription.best_effort:
            _run_in_savepoint(subscription, event)
        elif subscription.in_transaction:
            subscription.handler(event)  # part of the change: its failure fails the change
        else:
            transaction.on_commit(partial(_run, subscription, event))


def _run_in_savepoint(subscription: Subscription[Any], event: DomainEvent) -> None:
    try:
        with transaction.atomic():  # a savepoint: the handler's failure undoes only its writes
            subscription.handler(event)
    except Exception:
        logger.exception("subscriber %s failed on %r", subscription.name, event)


def _run(subscription: Subscription[Any], event: DomainEvent) -> None:
    try:
        subscription.handler(event)
    except Exception:  # the change is committed; the subscriber's own retries are its business
        logger.exception("subscriber %s failed on %r", subscription.name, event)
