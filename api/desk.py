"""The reader's desk through the API: the registers (arrivals, departures, internal mail) and
« Mes suivis », on the caller's perimeter, as the screens show them."""

from __future__ import annotations

import datetime
from typing import Any

from django.http import HttpResponse
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from api.common import caller
from courrier.models import FollowedMail, Mail
from courrier.registers import KINDS, register_entities, register_lines
from courrier.routing_slip import routing_slip
from courrier.services.following import follow, unfollow

REGISTER_KINDS = list(KINDS)


class RegisterLineSerializer(serializers.Serializer[Any]):
    mail = serializers.IntegerField(source="mail.pk")
    date = serializers.DateField(source="day")
    chrono_number = serializers.CharField(source="chrono")
    channel = serializers.CharField()
    correspondent = serializers.CharField()
    subject = serializers.CharField()
    entity = serializers.CharField()


def _day(value: str | None, default: datetime.date) -> datetime.date:
    try:
        return datetime.date.fromisoformat(value) if value else default
    except ValueError:
        raise serializers.ValidationError({"date": "AAAA-MM-JJ"}) from None


class RegisterView(APIView):
    @extend_schema(
        summary="Registre d'arrivée, de départ ou des courriers internes",
        description=(
            "Les courriers d'une période que l'appelant peut ouvrir, une ligne chacun, dans "
            "l'ordre des numéros, comme le registre imprimé."
        ),
        parameters=[
            OpenApiParameter("kind", str, enum=REGISTER_KINDS, description="arrivees par défaut"),
            OpenApiParameter("from", datetime.date, description="AAAA-MM-JJ (aujourd'hui)"),
            OpenApiParameter("to", datetime.date, description="AAAA-MM-JJ (le jour de début)"),
            OpenApiParameter("entity", str, description="Code d'une entité (et au-dessous)"),
        ],
        responses=RegisterLineSerializer(many=True),
    )
    def get(self, request: Request) -> Response:
        user = caller(request)
        query = request.query_params
        kind = query.get("kind", "arrivees")
        if kind not in KINDS:
            raise serializers.ValidationError({"kind": REGISTER_KINDS})
        start = _day(query.get("from"), timezone.localdate())
        end = max(_day(query.get("to"), start), start)
        if (end - start).days > 366:
            raise serializers.ValidationError({"to": "Une année au plus."})
        entity = None
        if query.get("entity"):
            entity = register_entities(user).filter(code=query["entity"]).first()
            if entity is None:
                raise serializers.ValidationError({"entity": "Entité inconnue ou hors périmètre."})
        lines = register_lines(user, kind, start, end, entity)
        return Response(RegisterLineSerializer(lines, many=True).data)


class FollowedSerializer(serializers.ModelSerializer[FollowedMail]):
    chrono_number = serializers.CharField(source="mail.chrono_number")
    subject = serializers.CharField(source="mail.subject")
    status = serializers.CharField(source="mail.status")
    entity = serializers.CharField(source="mail.destination_entity.code", default=None)
    assignee = serializers.CharField(source="mail.assignee.username", default=None)

    class Meta:
        model = FollowedMail
        fields = ["mail", "reason", "created_at", "chrono_number", "subject", "status"]
        fields += ["entity", "assignee"]


class FollowingView(APIView):
    @extend_schema(
        summary="Mes suivis",
        description="Les courriers que l'appelant suit, avec qui les tient et où ils en sont.",
        responses=FollowedSerializer(many=True),
    )
    def get(self, request: Request) -> Response:
        rows = (
            FollowedMail.objects.filter(user=caller(request))
            .select_related("mail__destination_entity", "mail__assignee")
            .order_by("mail__status", "-created_at")
        )
        return Response(FollowedSerializer(rows, many=True).data)


class MailDesk:
    """The MailViewSet's follow and unfollow, and its routing slip (its get_object applies the
    perimeter)."""

    get_object: Any

    @extend_schema(
        methods=["POST"], summary="Suivre ce courrier", request=None, responses={201: None}
    )
    @extend_schema(
        methods=["DELETE"],
        summary="Ne plus suivre ce courrier",
        request=None,
        responses={204: None},
    )
    @action(detail=True, methods=["post", "delete"])
    def follow(self, request: Request, pk: str | None = None) -> Response:
        mail: Mail = self.get_object()
        user = caller(request)
        if request.method == "DELETE":
            unfollow(actor=user, mail=mail)
            return Response(status=status.HTTP_204_NO_CONTENT)
        follow(actor=user, mail=mail)
        return Response(status=status.HTTP_201_CREATED)

    @extend_schema(
        summary="Fiche de liaison (PDF) à imprimer avec le courrier",
        responses={(200, "application/pdf"): OpenApiTypes.BINARY},
    )
    @action(detail=True, methods=["get"], url_path="routing-slip")
    def routing_slip(self, request: Request, pk: str | None = None) -> HttpResponse:
        mail: Mail = self.get_object()
        name = f"fiche-de-liaison-{(mail.chrono_number or str(mail.pk)).replace('/', '-')}.pdf"
        return HttpResponse(
            routing_slip(mail),
            content_type="application/pdf",
            headers={"Content-Disposition": f'inline; filename="{name}"'},
        )
