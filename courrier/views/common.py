"""What every view needs: the typed user, and who acts for whom on a mail."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

from csp.constants import SELF
from csp.decorators import csp_replace
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBase, HttpResponseRedirect
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.clickjacking import xframe_options_sameorigin
from django_htmx.middleware import HtmxDetails

from courrier.baskets import stands_in_for
from courrier.models import Mail, User
from courrier.selectors import can_see_mail, get_visible_mail_or_404
from courrier.services.actions import Acting, refusal_text


def shown_in_own_frames(view: Callable[..., HttpResponseBase]) -> Callable[..., HttpResponseBase]:
    """Pages are never framed (X-Frame-Options DENY, CSP frame-ancestors 'none'), except
    documents that Bannette's own pages show in their PDF viewer."""
    framed: Callable[..., HttpResponseBase] = csp_replace({"frame-ancestors": [SELF]})(view)
    return xframe_options_sameorigin(framed)


class BannetteRequest(HttpRequest):
    htmx: HtmxDetails


def _user(request: HttpRequest) -> User:
    assert isinstance(request.user, User)
    return request.user


def standing_in_for(request: HttpRequest) -> str:
    """The absent colleague's username carried by links and forms (`for`), or ''."""
    return (request.POST.get("for") or request.GET.get("for") or "").strip()


def acting_on_mail(request: HttpRequest, pk: int) -> tuple[Acting, Mail]:
    """The mail as the user (or the absent colleague they stand in for) may see it; else 404."""
    user = _user(request)
    absent_name = standing_in_for(request)
    if absent_name and absent_name != user.username:
        absent = User.objects.filter(username=absent_name, is_active=True).first()
        mail = Mail.objects.filter(pk=pk).first()
        if absent is None or mail is None:
            raise Http404("No such mail")
        if not stands_in_for(substitute=user, absent=absent, mail=mail):
            raise Http404("No such mail")
        return Acting(user, absent), get_visible_mail_or_404(absent, pk)
    return Acting(user), get_visible_mail_or_404(user, pk)


def as_id(value: str | None) -> int:
    """A primary key from a form or query field; 0 (no object has it) when it is not a number."""
    return int(value) if value and value.isdigit() else 0


def posted_ids(request: HttpRequest, name: str) -> list[int]:
    """The numeric values of a multi-valued form field (checkboxes, multiple selects)."""
    return [int(v) for v in request.POST.getlist(name) if v.isdigit()]


def back_to_mail(
    request: HttpRequest, acting: Acting, mail: Mail, tab: str = "", leave: bool = False
) -> HttpResponse:
    """Back to the mail's tab, or to `next` (a basket) when the mail left the user's sight."""
    query = {"for": acting.on_behalf_of.username if acting.on_behalf_of else "", "tab": tab}
    query = {k: v for k, v in query.items() if v}
    target = reverse("mail_detail", args=[mail.pk]) + (f"?{urlencode(query)}" if query else "")
    nxt = request.POST.get("next", "")
    if leave or not can_see_mail(acting.principal, mail) or request.POST.get("leave") == "1":
        safe = url_has_allowed_host_and_scheme(nxt, {request.get_host()}, request.is_secure())
        target = nxt if nxt and safe else reverse("home")
    return HttpResponseRedirect(target)


def act_on_mail(
    request: HttpRequest,
    pk: int,
    tab: str,
    work: Callable[[Acting, Mail], Any],
    done: str,
    leave: bool = False,
) -> HttpResponse:
    """Run one change on a mail for the user (or the colleague they stand in for), say how it
    went, and go back to the tab it was made from."""
    acting, mail = acting_on_mail(request, pk)
    try:
        work(acting, mail)
    except (PermissionDenied, ValidationError) as exc:
        messages.error(request, refusal_text(exc))
        leave = False  # nothing changed: stay on the mail
    else:
        messages.success(request, done)
    mail.refresh_from_db()
    return back_to_mail(request, acting, mail, tab, leave)
