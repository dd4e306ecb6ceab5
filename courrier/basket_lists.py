"""What a basket list shows: filters, sort and page size, read from the query and remembered."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, fields, replace
from typing import Any, cast

from django.conf import settings
from django.core.paginator import Page, Paginator
from django.db import transaction
from django.db.models import (
    Case,
    Count,
    Exists,
    F,
    IntegerField,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Value,
    When,
)
from django.db.models.expressions import Combinable
from django.db.models.functions import Coalesce
from django.http import QueryDict
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from courrier.baskets import DEADLINE_STATES, deadline_q
from courrier.html_options import entity_options, options
from courrier.models import (
    Category,
    Channel,
    DocumentType,
    Entity,
    Mail,
    MailContact,
    MailStatus,
    Priority,
    User,
)
from courrier.models.mail import ContactRole
from courrier.services.contacts import matching_contacts

PAGE_SIZES = (25, 50, 100)
# Long values no list shows: a mail's row weighs ~1.7 kB with its text, ~0.3 kB without.
UNLISTED_COLUMNS = ("text", "custom_fields", "incomplete_text_pages")
SORTS = {
    "arrival": ("arrival_date", "id"),
    "-arrival": ("-arrival_date", "-id"),
    "due": ("due_date", "id"),
    "-due": ("-due_date", "-id"),
    "chrono": ("chrono_number",),
    "-chrono": ("-chrono_number",),
    "-priority": ("-priority_rank", "-arrival_date", "-id"),
    "priority": ("priority_rank", "-arrival_date", "-id"),
}
_PRIORITY_RANK = {Priority.LOW: 0, Priority.NORMAL: 1, Priority.HIGH: 2, Priority.URGENT: 3}
# Query parameters that are not list settings: paging and standing in for a colleague.
_NOT_SETTINGS = {"page", "for", "reset", "tab"}


def _int_or_none(value: str) -> int | None:
    return int(value) if value.isdigit() else None


@dataclass(frozen=True)
class ListSettings:
    """One user's view of one basket; unknown or invalid values fall back to the default."""

    q: str = ""
    category: str = ""
    document_type: int | None = None
    entity: int | None = None
    sender: str = ""
    due: str = ""
    priority: str = ""
    channel: str = ""
    sort: str = "-arrival"
    per_page: int = 0

    @classmethod
    def from_query(cls, params: QueryDict | dict[str, Any]) -> ListSettings:
        def text(key: str) -> str:
            return str(params.get(key) or "").strip()[:200]

        per_page = _int_or_none(text("per_page"))
        return cls(
            q=text("q"),
            category=text("category") if text("category") in Category.values else "",
            document_type=_int_or_none(text("document_type")),
            entity=_int_or_none(text("entity")),
            sender=text("sender"),
            due=text("due") if text("due") in DEADLINE_STATES else "",
            priority=text("priority") if text("priority") in Priority.values else "",
            channel=text("channel") if text("channel") in Channel.values else "",
            sort=text("sort") if text("sort") in SORTS else "-arrival",
            per_page=per_page if per_page in PAGE_SIZES else 0,
        )

    @property
    def page_size(self) -> int:
        return self.per_page or settings.BANNETTE_PAGE_SIZE

    @property
    def filtering(self) -> bool:
        """True when a filter narrows the list (sort and page size do not)."""
        return self != replace(ListSettings(), sort=self.sort, per_page=self.per_page)

    def to_query(self) -> dict[str, str]:
        """The non-default values, as query parameters."""
        default = ListSettings()
        return {
            f.name: str(getattr(self, f.name))
            for f in fields(self)
            if getattr(self, f.name) != getattr(default, f.name)
        }

    def apply(self, mails: QuerySet[Mail]) -> QuerySet[Mail]:
        if self.q:
            mails = mails.filter(Q(subject__icontains=self.q) | Q(chrono_number__icontains=self.q))
        exact = {
            "category": self.category,
            "document_type_id": self.document_type,
            "destination_entity_id": self.entity,
            "priority": self.priority,
            "channel": self.channel,
        }
        mails = mails.filter(**{k: v for k, v in exact.items() if v})
        if self.due:
            mails = mails.filter(deadline_q(self.due, timezone.localdate()))
            if self.due in ("late", "due_soon"):
                mails = mails.exclude(status=MailStatus.CLOSED)
        if self.sender:
            mails = mails.filter(Exists(_senders_named(self.sender).filter(mail=OuterRef("pk"))))
        rank = Case(
            *(When(priority=p, then=Value(r)) for p, r in _PRIORITY_RANK.items()),
            default=Value(1),
            output_field=IntegerField(),
        )
        return mails.annotate(priority_rank=rank).order_by(*SORTS[self.sort])


def _senders_named(words: str) -> QuerySet[MailContact]:
    return MailContact.objects.filter(role=ContactRole.SENDER, contact__in=matching_contacts(words))


# Up to this many mails, a basket page is sorted from its candidates (a few milliseconds from
# an index-only read); PostgreSQL would otherwise often walk the whole date index backwards,
# betting that the basket's mail is spread evenly over time, which it never is.
SORTED_IN_MEMORY_UP_TO = 20_000


def _not_by_index(key: str | Combinable) -> str | Combinable:
    """The same sort key, written so that no index can serve it (COALESCE of the column)."""
    if not isinstance(key, str) or key.lstrip("-") in ("pk", "id", "priority_rank"):
        return key
    column = Coalesce(F(key.lstrip("-")), F(key.lstrip("-")))
    return column.desc() if key.startswith("-") else column.asc()


class PagedByIds(Paginator):  # type: ignore[type-arg]
    """Pages of mail found in two steps: the page's ids (from an index, the row never read),
    then those rows with their columns. At a million mails a basket's page 50 otherwise reads
    and sorts thousands of full rows to show 25."""

    def page(self, number: int | str) -> Page:  # type: ignore[type-arg]
        number = self.validate_number(number)
        bottom = (number - 1) * self.per_page
        mails = cast(QuerySet[Mail], self.object_list)
        ranked = mails
        if self.count <= SORTED_IN_MEMORY_UP_TO:
            ranked = mails.order_by(*(_not_by_index(key) for key in mails.query.order_by))
        ids = list(ranked.values_list("pk", flat=True)[bottom : bottom + self.per_page])
        rows = {mail.pk: mail for mail in mails.filter(pk__in=ids).order_by()} if ids else {}
        return Page([rows[pk] for pk in ids if pk in rows], number, self)


def with_list_columns(mails: QuerySet[Mail]) -> QuerySet[Mail]:
    """Everything the list's columns show, in a fixed number of queries (not the OCR text)."""
    senders = MailContact.objects.filter(role=ContactRole.SENDER).select_related("contact")
    return (
        mails.select_related("document_type", "destination_entity", "lock__user")
        .defer(*UNLISTED_COLUMNS)
        .prefetch_related(Prefetch("mail_contacts", queryset=senders, to_attr="sender_links"))
    )


def settings_for(user: User, basket_code: str, params: QueryDict) -> ListSettings:
    """The settings the query asks for, else those the user last used on this basket."""
    if params.get("reset"):
        remember(user=user, basket_code=basket_code, settings=ListSettings())
        return ListSettings()
    if not set(params) - _NOT_SETTINGS:
        saved = user.list_settings.get(basket_code)
        return ListSettings.from_query(saved) if isinstance(saved, dict) else ListSettings()
    chosen = ListSettings.from_query(params)
    remember(user=user, basket_code=basket_code, settings=chosen)
    return chosen


def remember(*, user: User, basket_code: str, settings: ListSettings) -> None:
    """Keep a user's list settings for next time (a preference: not journaled)."""
    wanted = None if settings == ListSettings() else settings.to_query()
    if user.list_settings.get(basket_code) == wanted:
        return  # as remembered (paging through a list): no lock, no write
    with transaction.atomic():
        fresh = User.objects.select_for_update().only("list_settings").get(pk=user.pk)
        saved = dict(fresh.list_settings)
        if settings == ListSettings():
            saved.pop(basket_code, None)
        else:
            saved[basket_code] = settings.to_query()
        if saved != fresh.list_settings:
            User.objects.filter(pk=user.pk).update(list_settings=saved)
    user.list_settings = saved


def deadline_counts(mails: QuerySet[Mail], today: datetime.date | None = None) -> dict[str, int]:
    """How many open mails of a list are late and due soon, in one query."""
    today = today or timezone.localdate()
    open_mail = ~Q(status=MailStatus.CLOSED)
    return mails.aggregate(
        total=Count("pk"),
        late=Count("pk", filter=open_mail & deadline_q("late", today)),
        due_soon=Count("pk", filter=open_mail & deadline_q("due_soon", today)),
    )


DEADLINE_LABELS = {
    "late": _("Late"),
    "due_soon": _("Due soon"),
    "on_time": _("On time"),
    "no_due_date": _("No due date"),
}
SORT_LABELS = {
    "-arrival": _("Newest first"),
    "arrival": _("Oldest first"),
    "due": _("Due date, earliest first"),
    "-due": _("Due date, latest first"),
    "-priority": _("Priority, most urgent first"),
    "chrono": _("Chrono number"),
}


def list_choices(chosen: ListSettings) -> dict[str, Any]:
    """The options of the filter form."""
    types = DocumentType.objects.filter(active=True).order_by("label").values_list("pk", "label")
    return {
        "categories": Category.choices,
        "document_types": options(types, chosen.document_type),
        "entities": entity_options(Entity.objects.filter(active=True), chosen.entity),
        "due_states": list(DEADLINE_LABELS.items()),
        "priorities": Priority.choices,
        "channels": Channel.choices,
        "sorts": list(SORT_LABELS.items()),
        "page_sizes": PAGE_SIZES,
    }
