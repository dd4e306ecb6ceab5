"""Factories for the mail core. Mail is created through the registration service."""

from __future__ import annotations

import datetime
from typing import Any

import factory
from django.contrib.auth.models import Group
from django.db.models import Max
from django.utils import timezone

from courrier.models import (
    Absence,
    Basket,
    Contact,
    ContactKind,
    DocumentType,
    Entity,
    JournalEvent,
    Mail,
    User,
)
from courrier.services.absences import declare_absence
from courrier.services.contacts import refresh_normalized
from courrier.services.mail import Registration, register_mail


class EntityFactory(factory.django.DjangoModelFactory[Entity]):
    class Meta:
        model = Entity
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"E{n}")
    label = factory.LazyAttribute(lambda o: f"Service {o.code}")


class UserFactory(factory.django.DjangoModelFactory[User]):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    first_name = "Test"
    last_name = factory.Sequence(lambda n: f"User{n}")
    password = factory.PostGenerationMethodCall("set_password", "pw")

    @factory.post_generation
    def roles(obj: User, create: bool, extracted: list[str] | None, **kwargs: Any) -> None:
        if create and extracted:
            obj.groups.set([Group.objects.get(name=role) for role in extracted])
        if create:
            obj.save()


class DocumentTypeFactory(factory.django.DjangoModelFactory[DocumentType]):
    class Meta:
        model = DocumentType
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"type-{n}")
    label = factory.LazyAttribute(lambda o: o.code.capitalize())
    delay_days = 30


class ContactFactory(factory.django.DjangoModelFactory[Contact]):
    class Meta:
        model = Contact

    kind = ContactKind.PERSON
    first_name = "Jean"
    last_name = factory.Sequence(lambda n: f"Dupont{n}")

    @classmethod
    def _create(cls, model_class: type[Contact], *args: Any, **kwargs: Any) -> Contact:
        contact = model_class(**kwargs)
        refresh_normalized(contact)
        contact.save()
        return contact


def make_mail(*, override: dict[str, Any] | None = None, **kwargs: Any) -> Mail:
    """Register a mail through the service, then force fields (status, dates...) for set-up."""
    actor = kwargs.pop("actor", None)
    kwargs.setdefault("subject", "Courrier de test")
    mail = register_mail(actor=actor, registration=Registration(**kwargs))
    if override:
        Mail.objects.filter(pk=mail.pk).update(**override)
        mail.refresh_from_db()
    return mail


def absent_now(
    user: User, *, basket: str = "", substitute: User | None = None, days: int = 1
) -> Absence:
    """`user` is away from now for `days`, `basket` handed to `substitute` (through the service)."""
    now = timezone.now()
    handed = [(Basket.objects.get(code=basket), substitute)] if basket and substitute else []
    return declare_absence(
        actor=user,
        user=user,
        start=now,
        end=now + datetime.timedelta(days=days),
        delegations=handed,
    )


def last_event_seq() -> int:
    """The newest journal event's number (numbers grow but may skip: they are not a count)."""
    return JournalEvent.objects.aggregate(last=Max("seq"))["last"] or 0
