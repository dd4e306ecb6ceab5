"""Interface language: French unless the user chose another one with the header switch."""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils import translation
from django.utils.translation import gettext as _

from courrier.selectors import entity_tree_memo


class ChosenLanguageMiddleware:
    """Like LocaleMiddleware, but ignores the browser's Accept-Language on purpose.

    Agents' browsers are often installed in English; the administration works in French.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        self.available = {code for code, _name in settings.LANGUAGES}

    def __call__(self, request: HttpRequest) -> HttpResponse:
        chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME, "")
        language = chosen if chosen in self.available else settings.LANGUAGE_CODE
        translation.activate(language)
        request.LANGUAGE_CODE = language
        response = self.get_response(request)
        response.headers.setdefault("Content-Language", language)
        translation.deactivate()
        return response


class RequestSizeLimitMiddleware:
    """Refuse a too large request from its Content-Length, before Django reads the body to
    disk (CSRF checking reads it before any view could): signed-in users may upload a few files
    at the capture size limit at once; anonymous visitors only send the citizens' form."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        signed_in = request.user.is_authenticated
        limit = (
            4 * settings.BANNETTE_CAPTURE_MAX_BYTES
            if signed_in
            else settings.BANNETTE_PUBLIC_REQUEST_MAX_BYTES
        )
        if length > limit:
            with translation.override(getattr(request, "LANGUAGE_CODE", settings.LANGUAGE_CODE)):
                message = _("This request is too large (%(size)s MiB; at most %(limit)s MiB).") % {
                    "size": length // (1024 * 1024),
                    "limit": limit // (1024 * 1024),
                }
            return HttpResponse(message, status=413, content_type="text/plain; charset=utf-8")
        return self.get_response(request)


class EntityTreeMemo:
    """One read of the entity tree per request, however many perimeters and menus need it."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        with entity_tree_memo():
            return self.get_response(request)
