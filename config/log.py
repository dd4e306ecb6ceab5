"""Log records carry the id of the request (or task) they belong to."""

from __future__ import annotations

import logging

from django_guid import get_guid


class RequestId(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = get_guid() or "-"
        return True
