"""« Mes suivis »: the mail a person follows, with who holds it now and how it stands."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from courrier.models import FollowedMail
from courrier.services.following import follow, unfollow
from courrier.views.common import _user, acting_on_mail


@login_required
def following(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    rows = (
        FollowedMail.objects.filter(user=user)
        .select_related("mail__destination_entity", "mail__assignee", "mail__document_type")
        .order_by("mail__status", "-created_at")
    )
    return render(request, "courrier/following.html", {"rows": rows})


@login_required
@require_POST
def toggle_follow(request: HttpRequest, pk: int) -> HttpResponse:
    _acting, mail = acting_on_mail(request, pk)
    user = _user(request)
    if request.POST.get("follow") == "1":
        follow(actor=user, mail=mail)
        messages.success(request, _("You follow this mail: it is in « My follow-ups »."))
    else:
        unfollow(actor=user, mail=mail)
        messages.success(request, _("You no longer follow this mail."))
    back = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(back, {request.get_host()}, request.is_secure()):
        back = reverse("mail_detail", args=[mail.pk])
    return HttpResponseRedirect(back)
