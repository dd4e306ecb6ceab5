"""Folders of the user's entities and the mail filed in them (only what the user may see)."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.db.models import Count
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render

from courrier.selectors import visible_mails
from courrier.services.processing import folders_for
from courrier.views.common import _user


@login_required
def folder_list(request: HttpRequest) -> HttpResponse:
    folders = (
        folders_for(_user(request)).annotate(size=Count("mails")).order_by("entity__label", "label")
    )
    return render(request, "courrier/folders.html", {"folders": folders})


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
