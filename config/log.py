"""Log records carry the id of the request (or task) they belong to."""

from __future__ import annotations

import logging

from django_guid import get_guid


class RequestId(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = get_guid() or "-"
        return True


class NoTracebackBelow500(logging.Filter):
    """A refusal (403, 404…) is the application working: one line, not a traceback."""

    def filter(self, record: logging.LogRecord) -> bool:
        status = getattr(record, "status_code", 500)
        if isinstance(status, int) and status < 500:
            record.exc_info, record.exc_text = None, None
        return True
