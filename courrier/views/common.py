"""What every view needs: the typed user, and who acts for whom on a mail."""

from __future__ import annotations

from django.http import Http404, HttpRequest
from django_htmx.middleware import HtmxDetails

from courrier.baskets import stands_in_for
from courrier.models import Mail, User
from courrier.selectors import get_visible_mail_or_404
from courrier.services.actions import Acting


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
