"""Template previews with sample data, for administrators."""

from __future__ import annotations

from django.contrib.admin.views.decorators import staff_member_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404

from templates_office.catalogue import sample_context
from templates_office.convert import ConversionFailed, to_pdf
from templates_office.merge import TemplateProblem, merge
from templates_office.models import OfficeTemplate

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


@staff_member_required
def preview(request: HttpRequest, pk: int, fmt: str) -> HttpResponse:
    template = get_object_or_404(OfficeTemplate, pk=pk)
    with template.file.open("rb") as handle:
        source = handle.read()
    try:
        merged = merge(source, sample_context())
        content, mime, suffix = (
            (to_pdf(merged, ".docx"), "application/pdf", "pdf")
            if fmt == "pdf"
            else (merged, DOCX, "docx")
        )
    except (TemplateProblem, ConversionFailed) as exc:
        return HttpResponse(str(exc), status=422, content_type="text/plain; charset=utf-8")
    response = HttpResponse(content, content_type=mime)
    response["Content-Disposition"] = f'attachment; filename="apercu-{template.pk}.{suffix}"'
    response["X-Content-Type-Options"] = "nosniff"
    return response
