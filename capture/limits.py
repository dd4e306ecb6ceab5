"""Refuse oversized requests before Django reads their body."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _


def limit_request_size(max_bytes: Callable[[], int]) -> Callable[..., Any]:
    """A POST whose declared size exceeds max_bytes() gets 413 without being read."""

    def decorator(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @wraps(view)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            try:
                declared = int(request.META.get("CONTENT_LENGTH") or 0)
            except ValueError:
                declared = 0
            if request.method == "POST" and declared > max_bytes():
                limit = max_bytes() // (1024 * 1024)
                return HttpResponse(
                    _("The request is too large (limit: %(mb)s MiB).") % {"mb": limit},
                    status=413,
                    content_type="text/plain; charset=utf-8",
                )
            return view(request, *args, **kwargs)

        return wrapper

    return decorator
