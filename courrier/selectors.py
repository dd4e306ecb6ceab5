"""Read queries that apply the user's perimeter. Views read mail only through these."""

from __future__ import annotations

from collections.abc import Collection, Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

from django.db.models import Q, QuerySet
from django.http import Http404

from courrier.extensions import perimeter_contributors
from courrier.models import (
    DiffusionListEntry,
    Entity,
    JournalEvent,
    Mail,
    MailStatus,
    Note,
    User,
)

# The perimeter's parts over other tables are uncorrelated `id IN (SELECT mail_id ...)`, not
# EXISTS: PostgreSQL hashes each once from an index and costs it so; at a million mails it
# otherwise misjudges the OR of correlated EXISTS and reads the table instead of an index.

Among = Collection[int] | None

# Within one request the entity tree is read once (courrier.middleware.EntityTreeMemo), not at
# each perimeter, basket and menu that needs it; a change to an entity forgets it.
_tree_memo_on: ContextVar[bool] = ContextVar("bannette_tree_memo_on", default=False)
_tree_rows: ContextVar[list[tuple[int, int | None]] | None] = ContextVar(
    "bannette_tree_rows", default=None
)


@contextmanager
def entity_tree_memo() -> Iterator[None]:
    on, rows = _tree_memo_on.set(True), _tree_rows.set(None)
    try:
        yield
    finally:
        _tree_memo_on.reset(on)
        _tree_rows.reset(rows)


def forget_entity_tree(*args: object, **kwargs: object) -> None:
    _tree_rows.set(None)


def _tree() -> list[tuple[int, int | None]]:
    rows = _tree_rows.get()
    if rows is None:
        rows = list(Entity.objects.values_list("pk", "parent_id"))
        if _tree_memo_on.get():
            _tree_rows.set(rows)
    return rows


def descendant_ids(root_ids: Iterable[int]) -> set[int]:
    """The given entities and every entity below them (one query over the whole tree)."""
    children: dict[int | None, list[int]] = {}
    for pk, parent_id in _tree():
        children.setdefault(parent_id, []).append(pk)
    found: set[int] = set()
    stack = list(root_ids)
    while stack:
        pk = stack.pop()
        if pk not in found:
            found.add(pk)
            stack.extend(children.get(pk, []))
    return found


def ancestor_ids(entity_ids: Iterable[int]) -> set[int]:
    """The given entities and every entity above them (one query over the whole tree)."""
    parents = dict(_tree())
    found: set[int] = set()
    for pk in entity_ids:
        current: int | None = pk
        while current is not None and current not in found:
            found.add(current)
            current = parents.get(current)
    return found


def own_entities(user: User) -> QuerySet[Entity]:
    """The active entities a person belongs to, and those below them."""
    return Entity.objects.filter(pk__in=descendant_ids(user_entity_ids(user)), active=True)


def user_entity_ids(user: User) -> set[int]:
    """Primary entity plus other entities, cached on the user object for the request."""
    cached: set[int] | None = getattr(user, "_bannette_entity_ids", None)
    if cached is None:
        cached = set(user.entities.values_list("pk", flat=True))
        if user.primary_entity_id:
            cached.add(user.primary_entity_id)
        user._bannette_entity_ids = cached  # type: ignore[attr-defined]
    return cached


def _in_diffusion(
    *, user: User | None = None, entity_ids: Iterable[int] = (), among: Among = None
) -> Q:
    condition = Q(user=user) if user is not None else Q(pk__in=[])
    entity_ids = list(entity_ids)
    if entity_ids:
        condition |= Q(entity_id__in=entity_ids)
    lines = DiffusionListEntry.objects.filter(condition)
    if among is not None:  # only these mails' lines, not a director's 300,000 copies
        lines = lines.filter(mail_id__in=among)
    return Q(pk__in=lines.values("mail_id"))


@dataclass(frozen=True)
class Perimeter:
    """What a user may see, as data: the ORM query below and the search backends both use it.

    Mail is visible when the user is named on it (assignee, in the diffusion list, or involved
    through an app's perimeter contributor such as a visa circuit), or it is addressed
    (destination or diffusion) to one of `direct_entities`;
    ordinary mail also to `scope_entities` (those and below), and to clerks while it waits for
    qualification. `sees_all` opens all ordinary mail. Its author sees ordinary mail too.
    Confidential mail: named users and direct entities only, plus the mail room while it waits
    for qualification; its author keeps no right to it.
    """

    user_id: int | None
    direct_entities: frozenset[int]
    scope_entities: frozenset[int]
    sees_to_qualify: bool
    sees_all: bool

    @property
    def nothing(self) -> bool:
        return self.user_id is None


def perimeter_of(user: User) -> Perimeter:
    """The user's perimeter, cached on the user object for the request (as its entities are)."""
    if not user.is_active or not user.is_authenticated:
        return Perimeter(None, frozenset(), frozenset(), False, False)
    cached: Perimeter | None = getattr(user, "_bannette_perimeter", None)
    if cached is None:
        own_ids = user_entity_ids(user)
        cached = Perimeter(
            user_id=user.pk,
            direct_entities=frozenset(own_ids),
            scope_entities=frozenset(descendant_ids(own_ids)),
            sees_to_qualify=user.has_perm("courrier.qualify_mail"),
            sees_all=user.has_perm("courrier.view_all_mail"),
        )
        user._bannette_perimeter = cached  # type: ignore[attr-defined]
    return cached


def _named_q(user: User, among: Among = None) -> Q:
    named = Q(assignee=user) | _in_diffusion(user=user, among=among)
    for contributor in perimeter_contributors():
        named |= contributor.personal_q(user)
    return named


def _direct_q(user: User, perimeter: Perimeter, among: Among = None) -> Q:
    """Mail the user's direct circle sees, confidential or not."""
    direct_ids = perimeter.direct_entities
    direct = (
        _named_q(user, among)
        | Q(destination_entity_id__in=direct_ids)
        | _in_diffusion(entity_ids=direct_ids, among=among)
    )
    if perimeter.sees_to_qualify:  # the mail room qualifies everything, confidential included
        direct |= Q(status=MailStatus.TO_QUALIFY)
    return direct


def perimeter_q(user: User, among: Among = None) -> Q:
    """Which mail the user may see; confidential mail only to its direct circle. `among`: the
    only mails asked about (their ids), which keeps the sub-queries to their lines."""
    perimeter = perimeter_of(user)
    if perimeter.nothing:
        return Q(pk__in=[])
    personal = _named_q(user, among) | Q(created_by=user)  # who typed or captured it
    scope_ids = perimeter.scope_entities
    copied = _in_diffusion(entity_ids=scope_ids, among=among)
    wide = personal | Q(destination_entity_id__in=scope_ids) | copied
    if perimeter.sees_to_qualify:
        wide |= Q(status=MailStatus.TO_QUALIFY)
    if perimeter.sees_all:
        wide = Q()
    direct = _direct_q(user, perimeter, among)
    return Q(confidential=False) & wide | Q(confidential=True) & direct


def perimeter_within_scope_q(user: User) -> Q:
    """`perimeter_q` for mail already known to be addressed within the user's scope entities.

    Such ordinary mail is visible whatever else holds; confidential mail still needs the direct
    circle. The sub-queries over copies and circuits then only run for confidential rows.
    """
    perimeter = perimeter_of(user)
    if perimeter.nothing:
        return Q(pk__in=[])
    return Q(confidential=False) | _direct_q(user, perimeter)


def perimeter_candidate_parts(user: User) -> list[QuerySet[Any]] | None:
    """Mail ids whose union is a superset of the mail this user may see, each part read from
    an index: addressed to their scope, copied to it or to them, assigned to them, typed by
    them, named by an app (a visa circuit...), waiting for qualification for the mail room.
    None when the user sees all ordinary mail. The perimeter itself still has to be applied to
    each of them; a search reads a narrow perimeter this way before checking words."""
    perimeter = perimeter_of(user)
    if perimeter.sees_all:
        return None
    if perimeter.nothing:
        return []
    scope = sorted(perimeter.scope_entities)
    mail_ids = Mail.objects.order_by().values_list("pk", flat=True)
    copies = DiffusionListEntry.objects.order_by().values_list("mail_id", flat=True)
    parts: list[QuerySet[Any]] = [
        mail_ids.filter(destination_entity_id__in=scope),
        copies.filter(entity_id__in=scope),
        copies.filter(user=user),
        mail_ids.filter(assignee=user),
        mail_ids.filter(created_by=user),
        *(mail_ids.filter(c.personal_q(user)) for c in perimeter_contributors()),
    ]
    if perimeter.sees_to_qualify:
        parts.append(mail_ids.filter(status=MailStatus.TO_QUALIFY))
    return parts


def visible_mails(user: User, among: Among = None) -> QuerySet[Mail]:
    """The mail this user may see; `among`: only those of these ids (a page of search hits)."""
    if among is None:
        return Mail.objects.filter(perimeter_q(user))
    return Mail.objects.filter(pk__in=among).filter(perimeter_q(user, among))


def visible_mail_ids(user: User, ids: Iterable[int | None]) -> set[int]:
    """Which of these mails the user may see now (None ids ignored): one query."""
    wanted = [pk for pk in set(ids) if pk is not None]
    if not wanted:
        return set()
    return set(visible_mails(user, among=wanted).values_list("pk", flat=True))


def get_visible_mail_or_404(user: User, pk: int) -> Mail:
    """The mail if the user may see it; 404 otherwise, so outsiders learn nothing.

    Most mail opens by its own columns (addressed within the user's scope, assigned to them...);
    the perimeter's sub-queries over copies and circuits run only for the rest.
    """
    mail = (
        Mail.objects.select_related("document_type", "destination_entity", "assignee", "created_by")
        .filter(pk=pk)
        .first()
    )
    if mail is None or not (visible_by_its_columns(user, mail) or can_see_mail(user, mail)):
        raise Http404("No such mail")
    return mail


def can_see_mail(user: User, mail: Mail) -> bool:
    return visible_mails(user, among=[mail.pk]).exists()


def visible_by_its_columns(user: User, mail: Mail) -> bool:
    """True when the mail's own columns already open it to the user (no query over copies).

    A shortcut for `can_see_mail` that never says yes where it would say no; False means
    "ask the query". The mail's values must be current (services reload them under lock).
    """
    perimeter = perimeter_of(user)
    if perimeter.nothing:
        return False
    if mail.assignee_id == user.pk:
        return True
    if perimeter.sees_to_qualify and mail.status == MailStatus.TO_QUALIFY:
        return True
    if mail.confidential:
        return mail.destination_entity_id in perimeter.direct_entities
    return (
        perimeter.sees_all
        or mail.created_by_id == user.pk
        or mail.destination_entity_id in perimeter.scope_entities
    )


def can_process_mail(user: User, mail: Mail) -> bool:
    """Whether the mail is the user's to work on, not merely to read (a copy, a wide view).

    Its assignee, the members of its destination entity and of the entities above it, the mail
    room while it waits for qualification, and administrators.
    """
    if user.is_superuser or (mail.assignee_id is not None and mail.assignee_id == user.pk):
        return True
    if mail.status == MailStatus.TO_QUALIFY:
        return user.has_perm("courrier.qualify_mail")
    return mail.destination_entity_id in perimeter_of(user).scope_entities


def visible_notes(user: User, mail: Mail) -> QuerySet[Note]:
    """Unrestricted notes, plus restricted ones for members of the chosen entities and authors."""
    restricted_ok = Q(restricted_to__in=user_entity_ids(user)) | Q(author=user)
    return (
        Note.objects.filter(mail=mail)
        .filter(Q(restricted_to__isnull=True) | restricted_ok)
        .select_related("author")
        .prefetch_related("restricted_to")
        .distinct()
        .order_by("created_at")
    )


def mail_history(mail: Mail) -> QuerySet[JournalEvent]:
    return JournalEvent.objects.filter(mail=mail).order_by("seq")
