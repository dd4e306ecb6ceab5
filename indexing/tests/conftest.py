from __future__ import annotations

import pytest
from django.db import connection


@pytest.fixture(params=["whoosh", "postgres"])
def search_backend(request, settings):
    """Run the behaviour suite on both backends; PostgreSQL's needs the PostgreSQL database."""
    if request.param == "postgres" and connection.vendor != "postgresql":
        pytest.skip("the PostgreSQL backend needs PostgreSQL (CI runs the suite on it)")
    settings.BANNETTE_SEARCH_BACKEND = request.param
    return request.param
