"""Capture screens: upload, capture errors with retry, separator sheets."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from capture.forms import SeparatorForm, UploadForm
from capture.models import InputStatus, SourceKind
from capture.options import CaptureOptions
from capture.selectors import failed_inputs, handled_inputs, my_recent_uploads, set_aside_inputs
from capture.services import receive_input, retry_input, set_aside_input
from capture.sheets import separator_sheets
from capture.tasks import dispatch
from courrier.models import Channel
from courrier.services.actions import refusal_text
from courrier.views.common import BannetteRequest, _user


@login_required
@permission_required("capture.add_captureinput", raise_exception=True)
def upload(request: BannetteRequest) -> HttpResponse:
    form = UploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        options: CaptureOptions = {
            "channel": data["channel"] or Channel.PAPER,
            "split": data["split"],
            "entity": data["entity"].code if data["entity"] else None,
            "document_type": data["document_type"].code if data["document_type"] else None,
        }
        ids = []
        for upload_file in data["documents"]:
            capture_input = receive_input(
                source_kind=SourceKind.UPLOAD,
                name=upload_file.name,
                content=upload_file.read(),
                options=options,
                actor=_user(request),
            )
            dispatch(capture_input.pk)
            ids.append(capture_input.pk)
        return redirect(f"{request.path}?done={','.join(map(str, ids))}")
    done = [int(i) for i in request.GET.get("done", "").split(",") if i.isdigit()]
    results = list(my_recent_uploads(_user(request), done)) if done else []
    context = {
        "form": form,
        "results": results,
        "done_ids": ",".join(str(i) for i in done),
        # The list polls itself until every file became mail or an error.
        "pending": any(r.status in (InputStatus.RECEIVED, InputStatus.PROCESSING) for r in results),
    }
    if request.htmx and results:
        return render(request, "capture/_upload_results.html", context)
    return render(request, "capture/upload.html", context)


@login_required
def capture_errors(request: HttpRequest) -> HttpResponse:
    inputs = failed_inputs(_user(request))
    aside = set_aside_inputs(_user(request))[:50]
    return render(request, "capture/errors.html", {"inputs": inputs, "aside": aside})


@login_required
@require_POST
def set_aside(request: HttpRequest, pk: int) -> HttpResponse:
    capture_input = get_object_or_404(failed_inputs(_user(request)), pk=pk)
    try:
        set_aside_input(
            actor=_user(request), capture_input=capture_input, reason=request.POST.get("reason", "")
        )
    except (PermissionDenied, ValidationError) as exc:
        messages.error(request, refusal_text(exc))
    else:
        messages.success(request, _("%(name)s set aside.") % {"name": capture_input.file_name})
    return redirect("capture_errors")


@login_required
@require_POST
def retry(request: HttpRequest, pk: int) -> HttpResponse:
    capture_input = get_object_or_404(handled_inputs(_user(request)), pk=pk)
    retry_input(actor=_user(request), capture_input=capture_input)
    capture_input.refresh_from_db()
    if capture_input.status == "error":
        messages.error(request, _("Still failing: %(reason)s") % {"reason": capture_input.error})
    else:
        messages.success(
            request, _("%(name)s was captured again.") % {"name": capture_input.file_name}
        )
    return redirect("capture_errors")


@login_required
def input_original(request: HttpRequest, pk: int) -> FileResponse:
    capture_input = get_object_or_404(handled_inputs(_user(request)), pk=pk)
    response = FileResponse(
        capture_input.file.open("rb"), as_attachment=True, filename=capture_input.file_name
    )
    response["Content-Type"] = "application/octet-stream"
    return response


@login_required
def separator_sheet(request: HttpRequest) -> HttpResponse:
    form = SeparatorForm(request.GET if "copies" in request.GET else None)
    if form.is_valid():
        pdf = separator_sheets(
            entity=form.cleaned_data["entity"],
            document_type=form.cleaned_data["document_type"],
            copies=form.cleaned_data["copies"],
        )
        response = HttpResponse(pdf, content_type="application/pdf")
        response["Content-Disposition"] = 'inline; filename="separateurs.pdf"'
        return response
    return render(request, "capture/separators.html", {"form": form})
