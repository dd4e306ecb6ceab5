"""Moving mail between people: redirect, hold, resume, reopen, copies, folders."""

from __future__ import annotations

import datetime
from collections.abc import Sequence

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from courrier.baskets import baskets_for
from courrier.models import (
    DiffusionListEntry,
    DiffusionRole,
    Entity,
    Folder,
    FollowReason,
    Mail,
    MailLock,
    MailStatus,
    RedirectScope,
    User,
)
from courrier.selectors import descendant_ids, user_entity_ids
from courrier.services.following import follow
from courrier.services.journal import record_event
from courrier.services.locks import check_not_locked, release_lock
from courrier.services.mail import check_mail_access, note_details, note_for_action

WORKING = (MailStatus.IN_PROGRESS, MailStatus.ON_HOLD)
_SCOPE_ORDER = [RedirectScope.BELOW, RedirectScope.SAME_LEVEL, RedirectScope.ALL]


def redirect_scope_for(user: User) -> str:
    """The widest redirect rule among the user's baskets (administrators: any entity)."""
    if user.is_superuser:
        return RedirectScope.ALL
    cached: str | None = getattr(user, "_bannette_redirect_scope", None)  # for the request
    if cached is None:
        scopes = set(baskets_for(user).values_list("redirect_scope", flat=True))
        cached = (
            max(scopes, key=lambda scope: _SCOPE_ORDER.index(RedirectScope(scope)))
            if scopes
            else RedirectScope.BELOW
        )
        user._bannette_redirect_scope = cached  # type: ignore[attr-defined]
    return cached


def redirect_targets(user: User) -> QuerySet[Entity]:
    """Entities the user may redirect mail to, by the rule of their baskets."""
    active = Entity.objects.filter(active=True)
    scope = redirect_scope_for(user)
    if scope == RedirectScope.ALL:
        return active
    own = user_entity_ids(user)
    roots = set(own)
    if scope == RedirectScope.SAME_LEVEL:
        parents = Entity.objects.filter(pk__in=own).values_list("parent_id", flat=True)
        roots |= set(Entity.objects.filter(parent_id__in=parents).values_list("pk", flat=True))
    return active.filter(pk__in=descendant_ids(roots))


def set_diffusion_recipient(mail: Mail, who: Entity | User) -> None:
    """The mail's one recipient on its diffusion list (the former one goes)."""
    DiffusionListEntry.objects.filter(mail=mail, role=DiffusionRole.RECIPIENT).delete()
    DiffusionListEntry.objects.create(
        mail=mail,
        role=DiffusionRole.RECIPIENT,
        entity=who if isinstance(who, Entity) else None,
        user=who if isinstance(who, User) else None,
    )


def _member_of(user: User, entity: Entity) -> bool:
    return entity.pk in user_entity_ids(user)


@transaction.atomic
def redirect_mail(
    *,
    actor: User,
    mail: Mail,
    entity: Entity | None = None,
    user: User | None = None,
    note: str = "",
    restricted_to: Sequence[Entity] = (),
    on_behalf_of: User | None = None,
) -> Mail:
    """Send a mail to another entity (or one of its users); it leaves the current basket."""
    check_mail_access(actor, mail, "redirect_mail", on_behalf_of=on_behalf_of, processing=True)
    check_not_locked(actor, mail)
    if mail.status not in WORKING:
        raise PermissionDenied(_("Only mail being processed can be redirected."))
    if user is not None and entity is None:
        entity = user.primary_entity
    if entity is None:
        raise ValidationError(_("Choose an entity or a user to redirect to."))
    if not redirect_targets(on_behalf_of or actor).filter(pk=entity.pk).exists():
        raise PermissionDenied(_("You cannot redirect mail to %(entity)s.") % {"entity": entity})
    if user is not None and (not user.is_active or not _member_of(user, entity)):
        raise ValidationError(
            _("%(user)s is not a member of %(entity)s.") % {"user": user, "entity": entity}
        )
    previous = mail.destination_entity
    written = note_for_action(actor=actor, mail=mail, text=note, restricted_to=restricted_to)
    mail.destination_entity, mail.assignee = entity, user
    mail.save(update_fields=["destination_entity", "assignee", "updated_at"])
    set_diffusion_recipient(mail, user or entity)
    release_lock(mail)
    record_event(
        action="mail.redirected",
        actor=actor,
        on_behalf_of=on_behalf_of,
        target=mail,
        details={
            "from": previous.code if previous else None,
            "to": entity.code,
            "user": user.username if user else None,
            **note_details(written),
        },
    )
    # Who sends a mail on keeps sight of it (« Mes suivis »), as long as she wants.
    follow(actor=on_behalf_of or actor, mail=mail, reason=FollowReason.REDIRECTED, checked=True)
    return mail


def _set_status(
    *,
    actor: User,
    mail: Mail,
    allowed_from: Sequence[str],
    status: str,
    action: str,
    on_behalf_of: User | None,
    permission: str = "process_mail",
) -> Mail:
    check_mail_access(actor, mail, permission, on_behalf_of=on_behalf_of, processing=True)
    check_not_locked(actor, mail)
    if mail.status not in allowed_from:
        raise PermissionDenied(
            _("Not possible while the mail is %(status)s.") % {"status": mail.get_status_display()}
        )
    previous = mail.status
    mail.status = status
    fields = ["status", "updated_at"]
    if status != MailStatus.CLOSED and mail.closing_date:
        mail.closing_date, mail.processing_days = None, None
        fields += ["closing_date", "processing_days"]
    mail.save(update_fields=fields)
    record_event(
        action=action,
        actor=actor,
        on_behalf_of=on_behalf_of,
        target=mail,
        details={"from": previous, "to": status},
    )
    return mail


@transaction.atomic
def put_on_hold(*, actor: User, mail: Mail, on_behalf_of: User | None = None) -> Mail:
    return _set_status(
        actor=actor,
        mail=mail,
        allowed_from=[MailStatus.IN_PROGRESS],
        status=MailStatus.ON_HOLD,
        action="mail.put_on_hold",
        on_behalf_of=on_behalf_of,
    )


@transaction.atomic
def resume_mail(*, actor: User, mail: Mail, on_behalf_of: User | None = None) -> Mail:
    return _set_status(
        actor=actor,
        mail=mail,
        allowed_from=[MailStatus.ON_HOLD],
        status=MailStatus.IN_PROGRESS,
        action="mail.resumed",
        on_behalf_of=on_behalf_of,
    )


@transaction.atomic
def reopen_mail(*, actor: User, mail: Mail, on_behalf_of: User | None = None) -> Mail:
    return _set_status(
        actor=actor,
        mail=mail,
        allowed_from=[MailStatus.CLOSED],
        status=MailStatus.IN_PROGRESS,
        action="mail.reopened",
        on_behalf_of=on_behalf_of,
        permission="close_mail",
    )


def unread_copies(user: User, mail: Mail) -> QuerySet[DiffusionListEntry]:
    return DiffusionListEntry.objects.filter(
        mail=mail, role=DiffusionRole.COPY, read_at__isnull=True
    ).filter(Q(user=user) | Q(entity_id__in=user_entity_ids(user)))


@transaction.atomic
def mark_read(*, actor: User, mail: Mail, on_behalf_of: User | None = None) -> int:
    """Mark the copy lines of the user (and their entities) as read."""
    check_mail_access(actor, mail, on_behalf_of=on_behalf_of)
    lines = unread_copies(on_behalf_of or actor, mail)
    count = lines.update(read_at=timezone.now())
    if not count:
        raise ValidationError(_("This mail has no unread copy for you."))
    record_event(
        action="mail.read",
        actor=actor,
        on_behalf_of=on_behalf_of,
        target=mail,
        details={"copies": count},
    )
    return count


@transaction.atomic
def send_copy(
    *,
    actor: User,
    mail: Mail,
    entity: Entity | None = None,
    user: User | None = None,
    on_behalf_of: User | None = None,
) -> DiffusionListEntry:
    """Add an entity or a user in copy of the mail."""
    check_mail_access(actor, mail, "process_mail", on_behalf_of=on_behalf_of, processing=True)
    if (entity is None) == (user is None):
        raise ValidationError(_("Choose one entity or one user to send a copy to."))
    duplicate = DiffusionListEntry.objects.filter(mail=mail, entity=entity, user=user)
    if duplicate.exists():
        raise ValidationError(
            _("%(who)s is already in the diffusion list.") % {"who": entity or user}
        )
    entry = DiffusionListEntry.objects.create(
        mail=mail, role=DiffusionRole.COPY, entity=entity, user=user
    )
    record_event(
        action="diffusion.copy_sent",
        actor=actor,
        on_behalf_of=on_behalf_of,
        target=mail,
        details={
            "entity": entity.code if entity else None,
            "user": user.username if user else None,
        },
    )
    return entry


@transaction.atomic
def remove_diffusion_entry(
    *, actor: User, entry: DiffusionListEntry, on_behalf_of: User | None = None
) -> None:
    """Take a copy line off the diffusion list (the recipient changes by redirecting)."""
    mail = entry.mail
    check_mail_access(actor, mail, "process_mail", on_behalf_of=on_behalf_of, processing=True)
    if entry.role == DiffusionRole.RECIPIENT:
        raise ValidationError(_("The recipient changes by redirecting the mail."))
    who = entry.entity.code if entry.entity else entry.user.username if entry.user else None
    entry.delete()
    record_event(
        action="diffusion.removed",
        actor=actor,
        on_behalf_of=on_behalf_of,
        target=mail,
        details={"role": entry.role, "who": who},
    )


def folders_for(user: User) -> QuerySet[Folder]:
    """The folders of the user's entities and of those below (a manager files for them too)."""
    return Folder.objects.filter(
        entity_id__in=descendant_ids(user_entity_ids(user))
    ).select_related("entity")


@transaction.atomic
def create_folder(*, actor: User, entity: Entity, label: str) -> Folder:
    """A folder of one of the actor's entities (or of those below), which its people file in."""
    if not actor.has_perm("courrier.process_mail"):
        raise PermissionDenied(_("Your role does not allow creating folders."))
    if entity.pk not in descendant_ids(user_entity_ids(actor)):
        raise PermissionDenied(_("You may create folders only in your entities."))
    label = " ".join(label.split())
    if not label:
        raise ValidationError(_("Give the folder a name."))
    if Folder.objects.filter(entity=entity, label__iexact=label).exists():
        raise ValidationError(
            _("%(entity)s already has a folder named “%(label)s”.")
            % {"entity": entity, "label": label}
        )
    folder = Folder.objects.create(entity=entity, label=label)
    record_event(
        action="folder.created",
        actor=actor,
        target=folder,
        details={"label": label, "entity": entity.code},
    )
    return folder


@transaction.atomic
def add_to_folder(
    *, actor: User, mail: Mail, folder: Folder, on_behalf_of: User | None = None
) -> None:
    check_mail_access(actor, mail, "process_mail", on_behalf_of=on_behalf_of)
    if not folders_for(on_behalf_of or actor).filter(pk=folder.pk).exists():
        raise PermissionDenied(_("This folder belongs to another entity."))
    if folder.mails.filter(pk=mail.pk).exists():
        raise ValidationError(_("The mail is already in %(folder)s.") % {"folder": folder})
    folder.mails.add(mail)
    record_event(
        action="mail.filed",
        actor=actor,
        on_behalf_of=on_behalf_of,
        target=mail,
        details={"folder": folder.pk, "label": folder.label},
    )


@transaction.atomic
def take_over(*, actor: User, mail: Mail, on_behalf_of: User | None = None) -> MailLock:
    """Take the mail from a colleague who left it open (they see it on their next action)."""
    check_mail_access(actor, mail, "process_mail", on_behalf_of=on_behalf_of, processing=True)
    now = timezone.now()
    previous = MailLock.objects.filter(mail=mail).select_related("user").first()
    lock, _created = MailLock.objects.update_or_create(
        mail=mail,
        defaults={
            "user": actor,
            "acquired_at": now,
            "expires_at": now + datetime.timedelta(minutes=settings.BANNETTE_LOCK_MINUTES),
        },
    )
    record_event(
        action="mail.lock_taken_over",
        actor=actor,
        on_behalf_of=on_behalf_of,
        target=mail,
        details={"from": previous.user.username if previous else ""},
    )
    return lock
