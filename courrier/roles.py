"""Roles as groups with permissions, and the default baskets; kept in sync after migrate."""

from __future__ import annotations

from typing import Any

from django.apps import apps
from django.contrib.auth.management import create_permissions
from django.contrib.auth.models import Group, Permission
from django.utils.translation import gettext_noop

from courrier.extensions import DefaultBasket, default_baskets, role_permissions
from courrier.models import Basket, MailStatus, Role

_OPEN_WORK = [MailStatus.IN_PROGRESS.value, MailStatus.ON_HOLD.value]
# The entity's mail stays its own while its reply is in visa, signature or waiting to leave.
_ENTITY_WORK = [
    *_OPEN_WORK,
    MailStatus.TO_VISA.value,
    MailStatus.TO_SIGN.value,
    MailStatus.TO_SEND.value,
]
_NOT_CLOSED = [s.value for s in MailStatus if s != MailStatus.CLOSED]
_ADMIN_MODELS = [
    "entity",
    "user",
    "documenttype",
    "customfield",
    "contact",
    "contactaddress",
    "basket",
    "attachmentkind",
    "keyword",
    "diffusiontemplate",
    "notetemplate",
    "folder",
    "absence",
]

# The core's own permissions; each app grants its own through register_role_permissions.
ROLE_PERMISSIONS: dict[str, list[str]] = {
    Role.CLERK: [
        "qualify_mail",
        "process_mail",
        "redirect_mail",
        "view_contact",
        "add_contact",
        "change_contact",
        "merge_contact",  # the mail room meets duplicates first
    ],
    Role.AGENT: [
        "process_mail",
        "redirect_mail",
        "close_mail",
        "view_contact",
        "add_contact",
        "change_contact",
        "merge_contact",
    ],
    Role.MANAGER: [
        "process_mail",
        "redirect_mail",
        "close_mail",
        "visa_mail",
        "sign_mail",
        "view_contact",
    ],
    Role.ARCHIVIST: ["view_all_mail", "export_journal", "view_journalevent"],
    Role.ELECTED: [],  # statistics only (granted by the stats app)
    Role.ADMINISTRATOR: [
        "view_all_mail",
        "view_journalevent",
        "view_heartbeat",
        "merge_contact",
    ]
    + [f"{verb}_{model}" for model in _ADMIN_MODELS for verb in ("view", "add", "change")],
}

# Apps built on the core add theirs through courrier.extensions.register_default_basket.
CORE_BASKETS = [
    DefaultBasket(
        code="to_qualify",
        label=gettext_noop("To qualify"),
        description=gettext_noop("Captured mail waiting for the mail room."),
        roles=(Role.CLERK,),
        position=10,
        criteria={"statuses": [MailStatus.TO_QUALIFY.value]},
    ),
    DefaultBasket(
        code="my_mail",
        label=gettext_noop("My mail"),
        description=gettext_noop("Mail assigned to me."),
        roles=(Role.AGENT, Role.MANAGER),
        position=20,
        criteria={"statuses": _OPEN_WORK, "assigned_to_me": True},
    ),
    DefaultBasket(
        code="entity_mail",
        label=gettext_noop("My entity's mail"),
        description=gettext_noop("Mail addressed to my entities."),
        roles=(Role.AGENT, Role.MANAGER),
        position=30,
        criteria={"statuses": _ENTITY_WORK, "entity_scope": "mine"},
    ),
    DefaultBasket(
        code="copies",
        label=gettext_noop("Copies"),
        description=gettext_noop("Mail sent to me or my entities in copy."),
        roles=(Role.AGENT, Role.MANAGER, Role.CLERK),
        position=40,
        criteria={"statuses": _NOT_CLOSED, "diffusion_role": "copy", "entity_scope": "mine"},
    ),
    DefaultBasket(
        code="in_circuit",
        label=gettext_noop("Replies in visa"),
        description=gettext_noop("My entities' replies waiting for a visa or a signature."),
        roles=(Role.AGENT, Role.MANAGER),
        position=46,
        criteria={
            "statuses": [MailStatus.TO_VISA.value, MailStatus.TO_SIGN.value],
            "entity_scope": "mine",
        },
    ),
    DefaultBasket(
        code="to_send",
        label=gettext_noop("Replies to send"),
        description=gettext_noop("Signed replies of my entities, ready to leave."),
        roles=(Role.AGENT, Role.MANAGER),
        position=47,
        criteria={"statuses": [MailStatus.TO_SEND.value], "entity_scope": "mine"},
    ),
    DefaultBasket(
        code="late",
        label=gettext_noop("Late mail"),
        description=gettext_noop("Open mail past its due date in my entities and below."),
        roles=(Role.AGENT, Role.MANAGER),
        position=50,
        criteria={
            "statuses": _NOT_CLOSED,
            "entity_scope": "mine_and_below",
            "deadline_state": "late",
        },
    ),
    DefaultBasket(
        code="implicit_decisions",
        label=gettext_noop("Implicit decisions born"),
        description=gettext_noop(
            "Requests that silence accepted or rejected, in my entities and below."
        ),
        roles=(Role.AGENT, Role.MANAGER),
        position=52,
        criteria={
            "statuses": _NOT_CLOSED,
            "entity_scope": "mine_and_below",
            "deadline_state": "implicit_decision_born",
        },
    ),
    DefaultBasket(
        code="closed",
        label=gettext_noop("Closed mail"),
        description=gettext_noop("Closed mail, for archiving."),
        roles=(Role.ARCHIVIST,),
        position=80,
        criteria={"statuses": [MailStatus.CLOSED.value]},
    ),
]


def sync_roles_and_baskets(**_: Any) -> None:
    """Create the role groups with their permissions and any missing default basket."""
    # Other apps' post_migrate may not have run yet: make sure every permission exists.
    for app_config in apps.get_app_configs():
        create_permissions(app_config, verbosity=0)
    groups: dict[str, Group] = {}
    granted = role_permissions()
    for role, codenames in ROLE_PERMISSIONS.items():
        group, _created = Group.objects.get_or_create(name=role)
        wanted = [f"courrier.{name}" for name in codenames] + sorted(granted.get(role, ()))
        permissions = [
            permission
            for app_label, codename in (name.split(".", 1) for name in wanted)
            for permission in Permission.objects.filter(
                content_type__app_label=app_label, codename=codename
            )
        ]
        # The definition is the truth: a permission removed from it leaves the role too.
        group.permissions.set(permissions)
        groups[role] = group
    for default in [*CORE_BASKETS, *default_baskets()]:
        basket, created = Basket.objects.get_or_create(
            code=default.code,
            defaults={
                "label": default.label,
                "description": default.description,
                "position": default.position,
                "criteria": default.criteria,
            },
        )
        if created:
            basket.roles.set([groups[r] for r in default.roles])
