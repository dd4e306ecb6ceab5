"""Roles as groups with permissions, and the default baskets; kept in sync after migrate."""

from __future__ import annotations

from typing import Any

from django.apps import apps
from django.contrib.auth.management import create_permissions
from django.contrib.auth.models import Group, Permission
from django.utils.translation import gettext_noop

from courrier.models import Basket, MailStatus, Role

_OPEN_WORK = [MailStatus.IN_PROGRESS.value, MailStatus.ON_HOLD.value]
_NOT_CLOSED = [s.value for s in MailStatus if s != MailStatus.CLOSED]
_ADMIN_MODELS = [
    "entity", "user", "documenttype", "customfield", "contact", "contactaddress",
    "basket", "attachmentkind", "keyword", "diffusiontemplate", "notetemplate", "folder",
    "absence",
]  # fmt: skip

ROLE_PERMISSIONS: dict[str, list[str]] = {
    Role.CLERK: [
        "qualify_mail",
        "process_mail",
        "redirect_mail",
        "view_contact",
        "add_contact",
        "change_contact",
        "capture.view_captureinput",
        "capture.retry_captureinput",
        "capture.add_captureinput",
    ],
    Role.AGENT: [
        "process_mail",
        "redirect_mail",
        "close_mail",
        "view_contact",
        "add_contact",
        "change_contact",
        "capture.add_captureinput",
    ],
    Role.MANAGER: [
        "process_mail",
        "redirect_mail",
        "close_mail",
        "visa_mail",
        "sign_mail",
        "view_contact",
        "capture.add_captureinput",
    ],
    Role.ARCHIVIST: ["view_all_mail", "export_journal", "view_journalevent"],
    Role.ADMINISTRATOR: [
        "view_all_mail",
        "view_journalevent",
        "capture.view_captureinput",
        "capture.retry_captureinput",
        "scanner_hotfolders.view_hotfolder",
        "scanner_hotfolders.add_hotfolder",
        "scanner_hotfolders.change_hotfolder",
        "templates_office.view_officetemplate",
        "templates_office.add_officetemplate",
        "templates_office.change_officetemplate",
        "visa.view_circuittemplate",
        "visa.add_circuittemplate",
        "visa.change_circuittemplate",
        "capture.view_classificationrule",
        "capture.add_classificationrule",
        "capture.change_classificationrule",
    ]
    + [f"{verb}_{model}" for model in _ADMIN_MODELS for verb in ("view", "add", "change")],
}

# (code, label, description, roles, position, criteria)
DEFAULT_BASKETS: list[tuple[str, str, str, list[str], int, dict[str, Any]]] = [
    ("to_qualify", gettext_noop("To qualify"), gettext_noop("Captured mail waiting for the mail room."),
     [Role.CLERK], 10, {"statuses": [MailStatus.TO_QUALIFY.value]}),
    ("my_mail", gettext_noop("My mail"), gettext_noop("Mail assigned to me."),
     [Role.AGENT, Role.MANAGER], 20, {"statuses": _OPEN_WORK, "assigned_to_me": True}),
    ("entity_mail", gettext_noop("My entity's mail"), gettext_noop("Mail addressed to my entities."),
     [Role.AGENT, Role.MANAGER], 30, {"statuses": _OPEN_WORK, "entity_scope": "mine"}),
    ("copies", gettext_noop("Copies"), gettext_noop("Mail sent to me or my entities in copy."),
     [Role.AGENT, Role.MANAGER, Role.CLERK], 40,
     {"statuses": _NOT_CLOSED, "diffusion_role": "copy", "entity_scope": "mine"}),
    ("opinions", gettext_noop("Opinions to give"), gettext_noop("Mail on which my opinion or my entity's is asked."),
     [Role.AGENT, Role.MANAGER], 45, {"awaiting_my": "opinion"}),
    ("in_circuit", gettext_noop("Replies in visa"), gettext_noop("My entities' replies waiting for a visa or a signature."),
     [Role.AGENT, Role.MANAGER], 46, {"statuses": [MailStatus.TO_VISA.value, MailStatus.TO_SIGN.value], "entity_scope": "mine"}),
    ("to_send", gettext_noop("Replies to send"), gettext_noop("Signed replies of my entities, ready to leave."),
     [Role.AGENT, Role.MANAGER], 47, {"statuses": [MailStatus.TO_SEND.value], "entity_scope": "mine"}),
    ("late", gettext_noop("Late mail"), gettext_noop("Open mail past its due date in my entities and below."),
     [Role.AGENT, Role.MANAGER], 50,
     {"statuses": _NOT_CLOSED, "entity_scope": "mine_and_below", "deadline_state": "late"}),
    ("to_visa", gettext_noop("To visa"), gettext_noop("Reply drafts waiting for my visa."),
     [Role.MANAGER], 60, {"awaiting_my": "visa"}),
    ("to_sign", gettext_noop("To sign"), gettext_noop("Replies waiting for my signature."),
     [Role.MANAGER], 70, {"awaiting_my": "signature"}),
    ("closed", gettext_noop("Closed mail"), gettext_noop("Closed mail, for archiving."),
     [Role.ARCHIVIST], 80, {"statuses": [MailStatus.CLOSED.value]}),
]  # fmt: skip


def sync_roles_and_baskets(**_: Any) -> None:
    """Create the role groups with their permissions and any missing default basket."""
    # Other apps' post_migrate may not have run yet: make sure every permission exists.
    for app_config in apps.get_app_configs():
        create_permissions(app_config, verbosity=0)
    groups: dict[str, Group] = {}
    for role, codenames in ROLE_PERMISSIONS.items():
        group, _created = Group.objects.get_or_create(name=role)
        wanted = [name if "." in name else f"courrier.{name}" for name in codenames]
        for app_label, codename in (name.split(".", 1) for name in wanted):
            group.permissions.add(
                *Permission.objects.filter(content_type__app_label=app_label, codename=codename)
            )
        groups[role] = group
    for code, label, description, roles, position, criteria in DEFAULT_BASKETS:
        basket, created = Basket.objects.get_or_create(
            code=code,
            defaults={
                "label": label,
                "description": description,
                "position": position,
                "criteria": criteria,
            },
        )
        if created:
            basket.roles.set([groups[r] for r in roles])
