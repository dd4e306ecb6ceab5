"""What every API view needs: the calling user, and codes that never reach the database with a
character it refuses."""

from __future__ import annotations

from typing import Any

from django.db.models import Model
from rest_framework import serializers
from rest_framework.request import Request

from courrier.models import User


def caller(request: Request) -> User:
    user = request.user
    assert isinstance(user, User)  # IsAuthenticated ran first
    return user


class CodeField(serializers.SlugRelatedField):  # type: ignore[type-arg]
    """An object by its code; a code holding a NUL (no code does, PostgreSQL refuses it in a
    query) is unknown, not a server error."""

    def to_internal_value(self, data: Any) -> Model:
        if isinstance(data, str) and "\x00" in data:
            self.fail("does_not_exist", slug_name=self.slug_field, value=data)
        value: Model = super().to_internal_value(data)
        return value
