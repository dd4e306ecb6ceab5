"""Settings screens for functional administrators (the Django admin stays for superusers)."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Model, Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from administration.sections import SECTIONS, Section, section
from administration.services import save_setting, set_active
from courrier.models import Entity
from courrier.views.common import _user


def _section_or_404(request: HttpRequest, code: str, *, adding: bool = False) -> Section:
    found = section(code)
    if found is None:
        raise Http404("No such section")
    if not request.user.has_perm(found.add_permission if adding else found.permission):
        raise PermissionDenied
    return found


def _tree(entities: list[Entity]) -> list[tuple[Entity, int]]:
    """Entities in tree order, each with its depth."""
    children: dict[int | None, list[Entity]] = {}
    for entity in entities:
        children.setdefault(entity.parent_id, []).append(entity)
    known = {e.pk for e in entities}
    ordered: list[tuple[Entity, int]] = []

    def walk(parent: int | None, depth: int) -> None:
        for child in children.get(parent, []):
            ordered.append((child, depth))
            walk(child.pk, depth + 1)

    walk(None, 0)
    for orphan_parent in set(children) - known - {None}:  # parents outside the search
        walk(orphan_parent, 0)
    return ordered


@login_required
def index(request: HttpRequest) -> HttpResponse:
    visible = [s for s in SECTIONS if request.user.has_perm(s.permission)]
    if not visible:
        raise PermissionDenied
    counts = {s.code: s.model._default_manager.count() for s in visible}
    return render(request, "administration/index.html", {"sections": visible, "counts": counts})


@login_required
def section_list(request: HttpRequest, code: str) -> HttpResponse:
    current = _section_or_404(request, code)
    query = request.GET.get("q", "").strip()
    objects = current.objects()
    for word in query.split():
        match = Q()
        for name in current.search:
            match |= Q(**{f"{name}__icontains": word})
        objects = objects.filter(match)
    if current.model is Entity and not query:
        rows = _tree(list(objects))
        page = None
    else:
        ordered = objects if objects.ordered else objects.order_by("pk")
        page = Paginator(ordered, 50).get_page(request.GET.get("page"))
        rows = [(obj, 0) for obj in page]
    context = {
        "section": current,
        # indented by classes depth-1..depth-8 (bannette.css): no inline style (CSP)
        "rows": [
            (obj, min(depth, 8), [c.value(obj) for c in current.columns]) for obj, depth in rows
        ],
        "page": page,
        "query": query,
        "pager_query": urlencode({"q": query}) if query else "",
        "can_add": request.user.has_perm(current.add_permission),
    }
    return render(request, "administration/list.html", context)


@login_required
def edit(request: HttpRequest, code: str, pk: int | None = None) -> HttpResponse:
    current = _section_or_404(request, code, adding=pk is None)
    instance: Model | None = get_object_or_404(current.objects(), pk=pk) if pk else None
    form = current.form(request.POST or None, instance=instance)
    if request.method == "POST" and form.is_valid():
        permission = current.permission if pk else current.add_permission
        saved = save_setting(actor=_user(request), form=form, permission=permission)
        messages.success(request, _("“%(name)s” saved.") % {"name": saved})
        return redirect("administration_section", current.code)
    context: dict[str, Any] = {"section": current, "form": form, "object": instance}
    return render(request, "administration/form.html", context)


@login_required
@require_POST
def toggle_active(request: HttpRequest, code: str, pk: int) -> HttpResponse:
    current = _section_or_404(request, code)
    if not current.active_field:
        raise Http404("This setting cannot be switched off")
    setting = get_object_or_404(current.objects(), pk=pk)
    if setting.pk == request.user.pk:
        messages.error(request, _("You cannot deactivate your own account."))
        return redirect("administration_section", current.code)
    active = not getattr(setting, current.active_field)
    set_active(
        actor=_user(request),
        setting=setting,
        active=active,
        permission=current.permission,
        field=current.active_field,
    )
    message = _("“%(name)s” reactivated.") if active else _("“%(name)s” deactivated.")
    messages.success(request, message % {"name": setting})
    return redirect("administration_section", current.code)
