"""What capture adds to the mail core: where a mail came from, and what to qualify it as."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.utils.translation import gettext_lazy as _

from capture.models import CapturedMail, CaptureInput, InputStatus
from capture.services import silent_while_running
from courrier.extensions import (
    InfoPanel,
    JournalAction,
    NavLink,
    StatusSection,
    register_info_panel,
    register_journal_actions,
    register_nav_link,
    register_role_permissions,
    register_status_section,
    register_suggestion_source,
)
from courrier.models import Mail, Role, User
from courrier.selectors import can_see_mail


def _captured(mail: Mail) -> CapturedMail | None:
    """Not every mail was captured (typed in, outgoing replies)."""
    return CapturedMail.objects.select_related("input", "duplicate_of").filter(mail=mail).first()


def provenance(mail: Mail, reader: User) -> dict[str, Any]:
    """Where the mail came from; its possible twin named only to whoever may open it."""
    captured = _captured(mail)
    twin = captured.duplicate_of if captured else None
    return {
        "captured": captured,
        "twin_visible": twin is not None and can_see_mail(reader, twin),
    }


def classification(mail: Mail) -> Mapping[str, Mapping[str, Any]]:
    captured = _captured(mail)
    return captured.suggestions if captured else {}


NAV_LINKS = [
    NavLink(
        code="capture_upload",
        label=_("Upload"),
        url_name="capture_upload",
        position=110,
        permission="capture.add_captureinput",
        group="mail_room",
        icon="upload",
    ),
    NavLink(
        code="capture_errors",
        label=_("Capture errors"),
        url_name="capture_errors",
        position=120,
        permission="capture.view_captureinput",
        group="mail_room",
        icon="alert",
    ),
]
# Separator sheets are printed from the upload page (a few times a year: not in the menu bar).
_ERRORS = ["capture.view_captureinput", "capture.retry_captureinput"]
_RULES = [
    f"capture.{verb}_{model}"
    for model in ("classificationrule", "imapaccount")
    for verb in ("view", "add", "change")
]
ROLE_PERMISSIONS = {
    Role.CLERK: [*_ERRORS, "capture.add_captureinput"],
    Role.AGENT: ["capture.add_captureinput"],
    Role.MANAGER: ["capture.add_captureinput"],
    Role.ADMINISTRATOR: [*_ERRORS, *_RULES],
}


JOURNAL_ACTIONS = [
    JournalAction(
        "capture.received", _("Received for capture"), sentences=(_("“%(file)s” received"),)
    ),
    JournalAction(
        "capture.failed", _("Capture failed"), sentences=(_("Capture failed: %(reason)s"),)
    ),
    JournalAction("capture.retried", _("Capture retried")),
    JournalAction(
        "capture.set_aside",
        _("Capture set aside"),
        sentences=(_("“%(file)s” set aside: %(reason)s"),),
    ),
]


def queue_status() -> dict[str, Any]:
    inputs = CaptureInput.objects
    running = inputs.filter(status=InputStatus.PROCESSING)
    return {
        "waiting": inputs.filter(status=InputStatus.RECEIVED).count(),
        "running": running.count(),
        "stale": inputs.filter(silent_while_running()).count(),
        "errors": inputs.filter(status=InputStatus.ERROR).count(),
        "oldest_waiting": inputs.filter(status=InputStatus.RECEIVED)
        .order_by("received_at")
        .values_list("received_at", flat=True)
        .first(),
    }


def register() -> None:
    register_status_section(
        StatusSection(code="capture", template="capture/status.html", context=queue_status)
    )
    register_journal_actions(JOURNAL_ACTIONS)
    for role, permissions in ROLE_PERMISSIONS.items():
        register_role_permissions(role, permissions)
    for link in NAV_LINKS:
        register_nav_link(link)
    register_info_panel(
        InfoPanel(code="capture", template="capture/panels/provenance.html", context=provenance)
    )
    register_suggestion_source(classification)
