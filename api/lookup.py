"""Looking things up through the API: full-text search within the perimeter, contacts, the
statistics a role may read, and the capture inputs."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import exceptions, mixins, serializers, status, viewsets
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from api.common import caller
from api.serializers import ContactSerializer, MailSerializer
from courrier.models import Contact, Mail
from courrier.selectors import visible_mails
from courrier.services.contacts import matching_contacts, save_contact
from indexing.forms import SearchForm
from indexing.services import search
from stats import indicators
from stats import selectors as stats_selectors
from stats.views import read_filters

SEARCH_PARAMETERS = [
    OpenApiParameter("text", str, description='Mots, "expression exacte", OU, ET, -exclu'),
    OpenApiParameter("chrono", str, description="Numéro chrono ou son début"),
    OpenApiParameter("sender", str, description="Expéditeur ou destinataire"),
    OpenApiParameter("document_type", str, description="Code du type de document"),
    OpenApiParameter("entity", str, description="Code de l'entité"),
    OpenApiParameter("status", str),
    OpenApiParameter("category", str),
    OpenApiParameter("channel", str),
    OpenApiParameter("keywords", str, description="Mots-clés séparés par des virgules"),
    OpenApiParameter("arrival_from", str, description="AAAA-MM-JJ"),
    OpenApiParameter("arrival_to", str, description="AAAA-MM-JJ"),
    OpenApiParameter("sort", str, enum=["relevance", "-arrival", "arrival"]),
    OpenApiParameter("page", int),
]


class HitSerializer(serializers.Serializer[Any]):
    mail = MailSerializer()
    score = serializers.FloatField()
    snippet = serializers.CharField(help_text="Extrait, mots trouvés entre <mark>")


class SearchResultsSerializer(serializers.Serializer[Any]):
    total = serializers.IntegerField()
    exact = serializers.BooleanField(help_text="Faux : il y a plus de « total » résultats")
    page = serializers.IntegerField()
    results = HitSerializer(many=True)


class SearchView(APIView):
    @extend_schema(
        summary="Recherche plein texte",
        description="Dans le périmètre de l'appelant, comme l'écran de recherche.",
        parameters=SEARCH_PARAMETERS,
        responses=SearchResultsSerializer,
    )
    def get(self, request: Request) -> Response:
        if any("\x00" in value for value in request.query_params.values()):
            raise exceptions.ValidationError({"text": "Caractère nul refusé."})
        form = SearchForm(request.query_params)
        if not form.is_valid():
            raise exceptions.ValidationError(
                {k: [str(e) for e in v] for k, v in form.errors.items()}
            )
        query = form.to_query()
        if query.empty:  # no criterion: nothing found, as on the screen before a search
            return Response(
                SearchResultsSerializer({"total": 0, "exact": True, "page": 1, "results": []}).data
            )
        raw_page = request.query_params.get("page", "1")
        page = max(1, int(raw_page)) if raw_page.isdigit() and len(raw_page) < 6 else 1
        user = caller(request)
        results = search(user, query, page=page)
        found = (
            visible_mails(user)  # the index applied the perimeter; the database checks again
            .select_related("document_type", "destination_entity")
            .in_bulk([h.mail_id for h in results.hits])
        )
        hits = [
            {"mail": found[h.mail_id], "score": h.score, "snippet": h.snippet}
            for h in results.hits
            if h.mail_id in found
        ]
        body = {"total": results.total, "exact": results.exact, "page": page, "results": hits}
        return Response(SearchResultsSerializer(body).data)


@extend_schema_view(
    list=extend_schema(
        summary="Contacts",
        parameters=[
            OpenApiParameter("q", str, description="Mots du nom, du courriel, de la ville")
        ],
    ),
    retrieve=extend_schema(summary="Un contact"),
    create=extend_schema(summary="Créer un contact"),
)
class ContactViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet[Contact],
):
    serializer_class = ContactSerializer
    queryset = Contact.objects.none()

    def get_queryset(self) -> QuerySet[Contact]:
        if not caller(self.request).has_perm("courrier.view_contact"):
            raise exceptions.PermissionDenied()
        text = self.request.query_params.get("q", "").replace("\x00", "")
        found = matching_contacts(text) if text.strip() else Contact.objects.filter(active=True)
        return found.order_by("last_name", "organisation_name", "pk")

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        user = caller(request)
        if not user.has_perm("courrier.add_contact"):
            raise exceptions.PermissionDenied()
        given = ContactSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        contact = save_contact(actor=user, contact=Contact(**given.validated_data))
        return Response(ContactSerializer(contact).data, status=status.HTTP_201_CREATED)


class FiguresSerializer(serializers.Serializer[Any]):
    period_start = serializers.DateField()
    period_end = serializers.DateField()
    counts = serializers.DictField(child=serializers.IntegerField())
    in_time_percent = serializers.FloatField(allow_null=True)
    median_days = serializers.FloatField(allow_null=True)
    p90_days = serializers.FloatField(allow_null=True)


class StatisticsView(APIView):
    @extend_schema(
        summary="Indicateurs du tableau de bord",
        description=(
            "Les chiffres de l'écran Statistiques, sur le périmètre de l'appelant : arrivés, "
            "clos, en cours, en retard, bientôt dus, décisions implicites nées ; délais."
        ),
        parameters=[
            OpenApiParameter("month", str, description="AAAA-MM (mois en cours par défaut)"),
            OpenApiParameter("period", str, enum=["month", "quarter", "year"]),
            OpenApiParameter("entity", int, description="Identifiant d'entité"),
            OpenApiParameter("type", int, description="Identifiant de type de document"),
            OpenApiParameter("channel", str),
            OpenApiParameter("category", str),
        ],
        responses=FiguresSerializer,
    )
    def get(self, request: Request) -> Response:
        user = caller(request)
        if not user.has_perm("stats.view_statistics"):
            raise exceptions.PermissionDenied()
        filters = read_filters(user, request.query_params)
        mails: QuerySet[Mail] = stats_selectors.scope(user, filters)
        figures = indicators.figures(mails, filters)
        body = {
            "period_start": filters.period.start,
            "period_end": filters.period.end,
            "counts": figures.counts,
            "in_time_percent": figures.in_time_percent,
            "median_days": figures.median_days,
            "p90_days": figures.p90_days,
        }
        return Response(FiguresSerializer(body).data)
