"""Basket criteria: validated from JSON, compiled to one ORM query inside the user's perimeter."""

from __future__ import annotations

import datetime
from dataclasses import asdict, dataclass, field
from typing import Any

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from courrier.extensions import awaiting_criteria
from courrier.models import (
    Basket,
    BasketDelegation,
    Category,
    DiffusionListEntry,
    Mail,
    MailStatus,
    User,
)
from courrier.models.circulation import DiffusionRole
from courrier.models.mail import due_soon_until
from courrier.selectors import (
    descendant_ids,
    perimeter_of,
    perimeter_within_scope_q,
    user_entity_ids,
    visible_mails,
)

ENTITY_SCOPES = ("mine", "mine_and_below", "primary", "all")
DIFFUSION_ROLES = ("recipient", "copy")
DEADLINE_STATES = (
    "late",
    "due_soon",
    "on_time",
    "no_due_date",
    "suspended",
    "implicit_decision_born",
)


class InvalidCriteria(ValueError):
    pass


def _choice(data: dict[str, Any], key: str, allowed: tuple[str, ...]) -> str | None:
    value = data.get(key)
    if value is not None and value not in allowed:
        raise InvalidCriteria(f"{key} must be one of {', '.join(allowed)} (got {value!r})")
    return value


def _choices(data: dict[str, Any], key: str, allowed: set[str]) -> list[str]:
    values = data.get(key, [])
    if not isinstance(values, list) or any(v not in allowed for v in values):
        raise InvalidCriteria(f"{key} must be a list among {', '.join(sorted(allowed))}")
    return values


@dataclass(frozen=True)
class BasketCriteria:
    statuses: list[str] = field(default_factory=list)
    categories: list[str] = field(default_factory=list)
    entity_scope: str = "all"
    diffusion_role: str | None = None
    assigned_to_me: bool | None = None
    deadline_state: str | None = None
    awaiting_my: str | None = None

    @classmethod
    def from_json(cls, data: Any) -> BasketCriteria:
        if not isinstance(data, dict):
            raise InvalidCriteria("criteria must be a JSON object")
        unknown = set(data) - set(cls.__dataclass_fields__)
        if unknown:
            raise InvalidCriteria(f"unknown criteria: {', '.join(sorted(unknown))}")
        assigned = data.get("assigned_to_me")
        if assigned is not None and not isinstance(assigned, bool):
            raise InvalidCriteria("assigned_to_me must be true, false or null")
        return cls(
            statuses=_choices(data, "statuses", set(MailStatus.values)),
            categories=_choices(data, "categories", set(Category.values)),
            entity_scope=_choice(data, "entity_scope", ENTITY_SCOPES) or "all",
            diffusion_role=_choice(data, "diffusion_role", DIFFUSION_ROLES),
            assigned_to_me=assigned,
            deadline_state=_choice(data, "deadline_state", DEADLINE_STATES),
            awaiting_my=_choice(data, "awaiting_my", tuple(awaiting_criteria())),
        )

    def to_json(self) -> dict[str, Any]:
        return {k: v for k, v in asdict(self).items() if v not in (None, [], "all")}


def _scope_entity_ids(user: User, scope: str) -> set[int] | None:
    if scope == "all":
        return None
    if scope == "primary":
        return {user.primary_entity_id} if user.primary_entity_id else set()
    own = user_entity_ids(user)
    return descendant_ids(own) if scope == "mine_and_below" else set(own)


def deadline_q(state: str, today: datetime.date) -> Q:
    if state == "no_due_date":
        return Q(due_date__isnull=True)
    if state == "suspended":
        return Q(suspended_since__isnull=False)
    if state == "implicit_decision_born":
        return Q(implicit_decision_born_on__isnull=False)
    if state == "late":
        return Q(due_date__lt=today)
    soon = due_soon_until(today)
    due_soon = Q(due_date__gte=today) & (Q(reminder_date__lte=today) | Q(due_date__lte=soon))
    if state == "due_soon":
        return due_soon
    return Q(due_date__gte=today) & ~due_soon


def criteria_q(criteria: BasketCriteria, user: User) -> Q:
    q = Q()
    if criteria.statuses:
        q &= Q(status__in=criteria.statuses)
    if criteria.categories:
        q &= Q(category__in=criteria.categories)
    entity_ids = _scope_entity_ids(user, criteria.entity_scope)
    if criteria.diffusion_role:
        # Two index-only reads (the person's lines, their entities' lines), not one OR that
        # PostgreSQL can only answer from the table.
        lines = DiffusionListEntry.objects.filter(role=criteria.diffusion_role)
        mine = lines.filter(user=user).values("mail_id")
        if entity_ids is not None:
            mine = mine.union(lines.filter(entity_id__in=entity_ids).values("mail_id"), all=True)
        q &= Q(pk__in=mine)
    elif entity_ids is not None:
        q &= Q(destination_entity_id__in=entity_ids)
    if criteria.assigned_to_me is True:
        q &= Q(assignee=user)
    elif criteria.assigned_to_me is False:
        q &= Q(assignee__isnull=True)
    if criteria.deadline_state:
        q &= deadline_q(criteria.deadline_state, timezone.localdate())
    if criteria.awaiting_my:
        q &= awaiting_criteria()[criteria.awaiting_my].q(user)
    return q


def baskets_for(user: User) -> QuerySet[Basket]:
    """Active baskets of the user's roles (all of them for a superuser)."""
    baskets = Basket.objects.filter(active=True)
    if not user.is_superuser:
        baskets = baskets.filter(roles__in=user.groups.all()).distinct()
    return baskets.order_by("position", "label")


def basket_mails(basket: Basket, user: User) -> QuerySet[Mail]:
    criteria = BasketCriteria.from_json(basket.criteria)
    selected = criteria_q(criteria, user)
    if _criteria_keep_to_perimeter(criteria, user):
        return Mail.objects.filter(selected)
    if criteria.entity_scope == "mine_and_below" and criteria.diffusion_role is None:
        # Addressed to the user's entities or below: their scope (perimeter_of).
        return Mail.objects.filter(selected).filter(perimeter_within_scope_q(user))
    return visible_mails(user).filter(selected)


def _criteria_keep_to_perimeter(criteria: BasketCriteria, user: User) -> bool:
    """True when every mail the criteria select is already one the user may see.

    The perimeter is an OR of sub-queries over copies and circuits that no index serves; most
    baskets select by columns that already imply it (mail assigned to me, addressed or copied
    to my own entities, awaiting my visa, waiting for qualification in the mail room), and at a
    million mails checking it again costs more than the basket itself. Only exact implications
    are listed here (see courrier.selectors.perimeter_q); any other basket keeps the check.
    """
    perimeter = perimeter_of(user)
    if perimeter.nothing:
        return False
    if criteria.assigned_to_me is True:  # named on it
        return True
    if criteria.awaiting_my and awaiting_criteria()[criteria.awaiting_my].names_the_user:
        return True
    if criteria.statuses == [MailStatus.TO_QUALIFY] and perimeter.sees_to_qualify:
        return True
    # Addressed, or copied, to the user or to one of their own entities (direct entities).
    return criteria.entity_scope in ("mine", "primary") or (
        criteria.diffusion_role is not None and criteria.entity_scope == "all"
    )


def current_delegations() -> QuerySet[BasketDelegation]:
    """Baskets handed over for an absence going on now."""
    now = timezone.now()
    return BasketDelegation.objects.filter(
        absence__start__lte=now,
        absence__end__gt=now,
        absence__cancelled=False,
        basket__active=True,
    ).select_related("basket", "absence__user", "substitute")


def active_delegations(substitute: User) -> QuerySet[BasketDelegation]:
    """Baskets colleagues handed to this user for an absence going on now."""
    return current_delegations().filter(substitute=substitute)


def stands_in_for(*, substitute: User, absent: User, mail: Mail) -> bool:
    """Whether the mail is in a basket the absent user delegated to the substitute, now."""
    for delegation in active_delegations(substitute).filter(absence__user=absent):
        if basket_mails(delegation.basket, absent).filter(pk=mail.pk).exists():
            return True
    return False


def unread_copy_q(user: User) -> Q:
    """Mail with a copy line for the user or one of their entities that nobody marked read."""
    entries = DiffusionListEntry.objects.filter(
        mail=OuterRef("pk"), role=DiffusionRole.COPY, read_at__isnull=True
    ).filter(Q(user=user) | Q(entity_id__in=user_entity_ids(user)))
    return Q(Exists(entries))
