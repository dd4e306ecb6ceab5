"""Folders of the user's entities and the mail filed in them (only what the user may see)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _

from courrier.selectors import own_entities, visible_mails
from courrier.services.actions import refusal_text
from courrier.services.processing import create_folder, folders_for
from courrier.views.common import _user, as_id


@login_required
def folder_list(request: HttpRequest) -> HttpResponse:
    """The folders of the user's entities; those who process mail create new ones there."""
    user = _user(request)
    if request.method == "POST":
        entity = own_entities(user).filter(pk=as_id(request.POST.get("entity"))).first()
        try:
            if entity is None:
                raise ValidationError(_("Choose one of your entities."))
            folder = create_folder(actor=user, entity=entity, label=request.POST.get("label", ""))
        except (PermissionDenied, ValidationError) as exc:
            messages.error(request, refusal_text(exc))
        else:
            messages.success(request, _("Folder “%(label)s” created.") % {"label": folder.label})
        return redirect("folders")
    folders = folders_for(user).annotate(size=Count("mails")).order_by("entity__label", "label")
    return render(
        request,
        "courrier/folders.html",
        {
            "folders": folders,
            "entities": own_entities(user).order_by("label")
            if user.has_perm("courrier.process_mail")
            else [],
        },
    )


@login_required
def folder_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    folder = get_object_or_404(folders_for(user), pk=pk)
    mails = (
        visible_mails(user)
        .filter(folders=folder)
        .select_related("document_type", "destination_entity")
        .order_by("-arrival_date", "-id")
    )
    return render(request, "courrier/folder.html", {"folder": folder, "mails": mails})
