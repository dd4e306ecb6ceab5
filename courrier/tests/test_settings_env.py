from __future__ import annotations

import pytest
from django.core.exceptions import ImproperlyConfigured

from config.env import env_bool, env_choice, env_int, env_list, env_secret


def test_booleans_accept_the_usual_spellings_and_refuse_others(monkeypatch):
    monkeypatch.setenv("BANNETTE_X", "yes")
    assert env_bool("BANNETTE_X") is True
    monkeypatch.setenv("BANNETTE_X", "0")
    assert env_bool("BANNETTE_X", True) is False
    monkeypatch.setenv("BANNETTE_X", "maybe")
    with pytest.raises(ImproperlyConfigured, match="BANNETTE_X='maybe' is not a boolean"):
        env_bool("BANNETTE_X")


def test_integers_are_checked(monkeypatch):
    monkeypatch.setenv("BANNETTE_N", "ten")
    with pytest.raises(ImproperlyConfigured, match="not an integer"):
        env_int("BANNETTE_N", 1)
    monkeypatch.setenv("BANNETTE_N", "2")
    with pytest.raises(ImproperlyConfigured, match="at least 5"):
        env_int("BANNETTE_N", 10, minimum=5)
    assert env_int("BANNETTE_UNSET", 7) == 7


def test_secrets_can_come_from_a_file(monkeypatch, tmp_path):
    secret = tmp_path / "pw"
    secret.write_text("s3cret\n")
    monkeypatch.setenv("BANNETTE_PW_FILE", str(secret))
    assert env_secret("BANNETTE_PW") == "s3cret"
    monkeypatch.setenv("BANNETTE_PW_FILE", str(tmp_path / "missing"))
    with pytest.raises(ImproperlyConfigured, match="cannot be read"):
        env_secret("BANNETTE_PW")


def test_lists_and_choices(monkeypatch):
    monkeypatch.setenv("BANNETTE_HOSTS", "a.example, b.example ,")
    assert env_list("BANNETTE_HOSTS", []) == ["a.example", "b.example"]
    monkeypatch.setenv("BANNETTE_MODE", "fast")
    with pytest.raises(ImproperlyConfigured, match="must be one of"):
        env_choice("BANNETTE_MODE", "slow", {"slow", "safe"})
