"""What every API view needs: the calling user."""

from __future__ import annotations

from rest_framework.request import Request

from courrier.models import User


def caller(request: Request) -> User:
    user = request.user
    assert isinstance(user, User)  # IsAuthenticated ran first
    return user
