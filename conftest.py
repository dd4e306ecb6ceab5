"""Shared fixtures: a small town-hall organisation and one user per persona.

Tree:  MAIRIE > DGS > {COUR, ST > VOIR, URBA, VASSO}
"""

from __future__ import annotations

import email
import os
import socket
from dataclasses import dataclass
from email import policy

import pytest
from aiosmtpd.controller import Controller
from django.core.cache import caches
from django.core.cache.backends.locmem import LocMemCache
from django.db import connection
from django.db.backends.signals import connection_created

from courrier.models import Entity, Role, User
from courrier.tests.factories import EntityFactory, UserFactory


def _may_empty_the_journal(sender: object, connection: object, **kwargs: object) -> None:
    """Transactional tests empty every table afterwards, the journal's included: its TRUNCATE
    guard (migration courrier 0010) lets the tests' own connections do so."""
    if getattr(connection, "vendor", "") == "postgresql":
        with connection.cursor() as cursor:  # type: ignore[attr-defined]
            cursor.execute("SET bannette.allow_journal_truncate = 'on'")


connection_created.connect(_may_empty_the_journal)


@dataclass
class Organisation:
    mairie: Entity
    dgs: Entity
    courrier: Entity
    st: Entity
    voirie: Entity
    urbanisme: Entity
    vasso: Entity


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path):
    settings.BANNETTE_CAPTURE_IN_BACKGROUND = False  # capture in the request: tests read its result
    settings.BANNETTE_NOTIFY_IN_BACKGROUND = False  # e-mails leave at commit: tests read them
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.BANNETTE_INDEX_DIR = tmp_path / "index"  # each test its own search index
    settings.BANNETTE_SEAL_DIR = tmp_path / "seals"
    if isinstance(caches["default"], LocMemCache):  # rate budgets (sign-ins, forms) afresh
        caches["default"].clear()


@pytest.fixture
def org(db) -> Organisation:
    mairie = EntityFactory.create(code="MAIRIE", label="Mairie")
    dgs = EntityFactory.create(code="DGS", label="Direction générale", parent=mairie)
    st = EntityFactory.create(code="ST", label="Services techniques", parent=dgs)
    return Organisation(
        mairie=mairie,
        dgs=dgs,
        courrier=EntityFactory.create(code="COUR", label="Courrier", parent=dgs),
        st=st,
        voirie=EntityFactory.create(code="VOIR", label="Voirie", parent=st),
        urbanisme=EntityFactory.create(code="URBA", label="Urbanisme", parent=dgs),
        vasso=EntityFactory.create(code="VASSO", label="Vie associative", parent=dgs),
    )


@pytest.fixture
def clerk(org) -> User:
    return UserFactory.create(username="clerk", primary_entity=org.courrier, roles=[Role.CLERK])


@pytest.fixture
def agent(org) -> User:
    return UserFactory.create(username="agent", primary_entity=org.voirie, roles=[Role.AGENT])


@pytest.fixture
def urbanisme_agent(org) -> User:
    return UserFactory.create(username="urba", primary_entity=org.urbanisme, roles=[Role.AGENT])


@pytest.fixture
def manager(org) -> User:
    return UserFactory.create(username="manager", primary_entity=org.st, roles=[Role.MANAGER])


@pytest.fixture
def archivist(org) -> User:
    return UserFactory.create(username="archivist", primary_entity=org.dgs, roles=[Role.ARCHIVIST])


@pytest.fixture
def administrator(org) -> User:
    """A functional administrator (the Administrator role), not a superuser."""
    return UserFactory.create(
        username="administrator", primary_entity=org.dgs, roles=[Role.ADMINISTRATOR]
    )


@pytest.fixture
def outsider(org) -> User:
    return UserFactory.create(username="outsider", primary_entity=org.vasso, roles=[Role.AGENT])


class Inbox:
    """What the test SMTP server (aiosmtpd, on a loopback port) received."""

    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append(email.message_from_bytes(envelope.content, policy=policy.default))
        return "250 OK"


@pytest.fixture
def smtp(settings):
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", port
    yield inbox
    controller.stop()


@pytest.fixture
def redis_url() -> str:
    url = os.environ.get("BANNETTE_TEST_REDIS_URL")
    if not url:
        if os.environ.get("CI") == "true":
            pytest.fail("CI must provide Redis (BANNETTE_TEST_REDIS_URL)")
        pytest.skip("Redis not reachable on this machine (./dev test sets BANNETTE_TEST_REDIS_URL)")
    return _own_database(url)


def _own_database(redis_url: str) -> str:
    """Each parallel test process (pytest-xdist worker gw0, gw1...) its own Redis database, so
    one process's Celery worker never takes the other's tasks: 15, 14..."""
    worker = os.environ.get("PYTEST_XDIST_WORKER", "gw0")
    base, _, number = redis_url.rpartition("/")
    if not number.isdigit():
        return redis_url
    return f"{base}/{max(int(number) - int(worker.removeprefix('gw') or 0), 0)}"


@pytest.fixture(params=["whoosh", "postgres"])
def search_backend(request, settings):
    """Run the behaviour suite on both backends; PostgreSQL's needs the PostgreSQL database."""
    if request.param == "postgres" and connection.vendor != "postgresql":
        pytest.skip("the PostgreSQL backend needs PostgreSQL (CI runs the suite on it)")
    settings.BANNETTE_SEARCH_BACKEND = request.param
    return request.param
