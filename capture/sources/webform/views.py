"""Public pages (no login): the citizens' request form and the tracking page."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.csrf import csrf_protect

from capture.models import WebFormRequest, WebFormTopic
from capture.sources.webform.forms import CitizenRequestForm
from capture.sources.webform.services import submit_request
from courrier.cache_counters import bump
from courrier.client_address import client_address
from courrier.deadlines import duration_words
from courrier.models import MailStatus

# What a citizen reads of her request's state (never the services' inner steps).
PUBLIC_STATUS: dict[str, Any] = {
    MailStatus.TO_QUALIFY: gettext_lazy("Registered: being directed to the competent service"),
    MailStatus.CLOSED: gettext_lazy("Processed"),
}


def _over_rate(request: HttpRequest) -> bool:
    count = bump(f"webform-rate:{client_address(request)}", 3600)
    return count > settings.BANNETTE_WEBFORM_RATE_PER_HOUR


def privacy_notice() -> dict[str, Any]:
    """What the form says of the personal data it collects (GDPR art. 13): the controller, the
    purpose, how long each kind of request keeps it, the rights and whom to write to."""
    topics = WebFormTopic.objects.filter(active=True).select_related("document_type")
    kept = []
    for topic in topics.order_by("position", "label"):
        delay = topic.anonymise_after or (
            topic.document_type.anonymise_after if topic.document_type else ""
        )
        kept.append((topic.label, duration_words(delay)))
    return {
        "privacy_controller": settings.BANNETTE_PRIVACY_CONTROLLER
        or settings.BANNETTE_ORGANISATION_NAME,
        "privacy_purpose": settings.BANNETTE_PRIVACY_PURPOSE,
        "privacy_topics": kept,
        "settings_privacy_contact": settings.BANNETTE_PRIVACY_CONTACT,
    }


@csrf_protect
def citizen_form(request: HttpRequest) -> HttpResponse:
    form = CitizenRequestForm(request.POST or None, request.FILES or None)
    if request.method == "POST":
        if _over_rate(request):
            return render(
                request,
                "capture/webform/form.html",
                {
                    "form": form,
                    **privacy_notice(),
                    "error": _(
                        "Too many requests from your connection: please try again in an hour."
                    ),
                },
                status=429,
            )
        if form.is_valid():
            if form.cleaned_data[
                "website"
            ]:  # a robot filled the honeypot: accept silently, keep nothing
                return redirect("citizen_thanks", code="0000-0000-0000")
            submitted = submit_request(data=form.cleaned_data, files=form.cleaned_data["documents"])
            return redirect("citizen_thanks", code=submitted.tracking_code)
    return render(
        request,
        "capture/webform/form.html",
        {"form": form, **privacy_notice()},
    )


def citizen_thanks(request: HttpRequest, code: str) -> HttpResponse:
    return render(request, "capture/webform/thanks.html", {"code": code})


def citizen_tracking(request: HttpRequest, code: str = "") -> HttpResponse:
    code = (code or request.GET.get("code", "")).strip().upper()
    if not code:
        return render(request, "capture/webform/track.html", {})
    found = (
        WebFormRequest.objects.select_related("mail", "topic").filter(tracking_code=code).first()
    )
    if found is None:
        raise Http404("Unknown tracking code")
    mail = found.mail
    status = (
        PUBLIC_STATUS.get(mail.status, _("Being processed by the competent service"))
        if mail
        else _("Received: being registered")
    )
    return render(
        request, "capture/webform/track.html", {"found": found, "mail": mail, "status": status}
    )
