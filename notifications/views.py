"""The notification centre: the bell, the list, mark as read, and each person's preferences."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from courrier.models import User
from courrier.views.common import _user, posted_ids
from notifications import services
from notifications.catalogue import KINDS
from notifications.emails import mark_readable, notification_link, notification_text
from notifications.extensions import bell as bell_context
from notifications.models import Mode, Notification


@login_required
def bell(request: HttpRequest) -> HttpResponse:
    """The bell alone, which the page asks for again every BANNETTE_BELL_POLL_SECONDS."""
    return render(request, "notifications/_bell.html", {"widget": bell_context(_user(request))})


@login_required
def notification_list(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    page = Paginator(
        Notification.objects.filter(user=user).select_related("mail", "for_user", "user"), 30
    ).get_page(request.GET.get("page"))
    mark_readable(list(page))
    rows = [(n, notification_text(n), notification_link(n)) for n in page]
    return render(request, "notifications/list.html", {"page": page, "rows": rows})


@login_required
@require_POST
def mark_read(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    chosen = posted_ids(request, "notification")
    services.mark_read(user=user, pks=chosen if "notification" in request.POST else None)
    target = request.POST.get("open", "")
    if target.startswith("/") and not target.startswith("//"):
        return redirect(target)
    return redirect("notifications")


@login_required
def preferences(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    offered = [kind for kind in KINDS if _concerns(user, kind.audience)]
    if request.method == "POST":
        for kind in offered:
            mode = request.POST.get(kind.code, "")
            if mode in Mode.values:
                services.set_preference(user=user, kind=kind.code, mode=mode)
        language = request.POST.get("language", "")
        if language in dict(settings.LANGUAGES):
            user.language = language
            user.save(update_fields=["language"])
        messages.success(request, _("Your notification preferences are saved."))
        return redirect("notification_preferences")
    rows = [(kind, services.mode_for(user, kind.code)) for kind in offered]
    return render(
        request,
        "notifications/preferences.html",
        {"rows": rows, "modes": Mode.choices, "languages": settings.LANGUAGES},
    )


def _concerns(user: User, audience: str) -> bool:
    """Only the kinds a person can receive are offered to them."""
    if user.is_superuser:
        return True
    return {
        "agents": user.has_perm("courrier.process_mail"),
        "managers": user.has_perm("courrier.visa_mail") or user.has_perm("courrier.sign_mail"),
        "clerks": user.has_perm("capture.retry_captureinput"),
        "administrators": user.groups.filter(name="administrator").exists(),
    }.get(audience, False)
