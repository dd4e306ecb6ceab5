"""/healthz answers without login, names each part ok or failing, and tells nothing more."""

from __future__ import annotations

import socket

import pytest

pytestmark = pytest.mark.django_db


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]  # closed again when the socket is


def test_everything_usable_answers_200_to_anyone(client, settings, redis_url):
    settings.CELERY_BROKER_URL = redis_url
    response = client.get("/healthz")
    assert response.status_code == 200 and response["Cache-Control"].startswith("max-age=0")
    assert response.json() == {
        "status": "ok",
        "checks": {"database": "ok", "storage": "ok", "broker": "ok", "search_index": "ok"},
    }


def test_an_unreachable_broker_or_storage_answers_503_without_details(client, settings, tmp_path):
    settings.CELERY_BROKER_URL = f"redis://127.0.0.1:{closed_port()}/0"
    not_a_folder = tmp_path / "media"
    not_a_folder.write_text("a file where the media folder should be")
    settings.MEDIA_ROOT = not_a_folder
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["checks"] == {
        "database": "ok",
        "storage": "failing",
        "broker": "failing",
        "search_index": "ok",
    }
    assert "127.0.0.1" not in response.content.decode() and "media" not in response.content.decode()
