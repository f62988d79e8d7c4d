"""/api/v1/claims/stays/: one application per hospital stay, as the pages offer it. A stay is entered once; the
portal files a claim line for each benefit kind the facts qualify for (each then an ordinary claim under
/api/v1/claims/{id}/), documents are uploaded once for every line, and one submit submits them all."""

from django.utils.translation import gettext as _
from drf_spectacular.utils import (
    OpenApiResponse,
    extend_schema,
    extend_schema_field,
    extend_schema_serializer,
    inline_serializer,
)
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.response import Response

from core.api import ErrorEnvelopeSerializer, object_id_field
from core.parsers import ObjectJSONParser

from ..models import Claim, ClaimStay
from . import selectors, stays
from .api import (
    ERRORS,
    ClaimDocumentSerializer,
    ClaimDocumentUploadSerializer,
    ClaimSerializer,
    FactsSerializer,
)

STAY_FACTS = set(stays.STAY_FIELDS)


@extend_schema_serializer(component_name="ClaimStay")
class StaySerializer(serializers.ModelSerializer):
    lines = serializers.SerializerMethodField(help_text="The claim lines, daily allowance first; withdrawn last.")
    not_applied = serializers.SerializerMethodField(
        help_text="Stay kinds of the member's tier the facts as entered do not qualify for, and why.")
    documents = serializers.SerializerMethodField(help_text="The stay's documents, each file once.")
    missing = serializers.SerializerMethodField(help_text="What the stay still lacks before it can be submitted.")
    editable = serializers.SerializerMethodField(
        help_text="True until submission: facts and documents are changed for every line at once. After it, each "
                  "line is changed on its own (/api/v1/claims/{id}/).")

    class Meta:
        model = ClaimStay
        fields = ["id", "number", "enrolment", "created_at", "editable", "lines", "not_applied", "documents",
                  "missing"]
        read_only_fields = fields

    def _lines(self, stay) -> list[Claim]:
        cache = self.context.setdefault("stay_lines", {})
        if stay.pk not in cache:
            cache[stay.pk] = selectors.stay_lines(stay)
        return cache[stay.pk]

    def _live(self, stay) -> list[Claim]:
        return [line for line in self._lines(stay) if line.state != Claim.State.WITHDRAWN]

    def get_editable(self, stay) -> bool:
        live = self._live(stay)
        return bool(live) and all(line.state == Claim.State.DRAFT for line in live)

    @extend_schema_field(ClaimSerializer(many=True))
    def get_lines(self, stay) -> list[dict]:
        return ClaimSerializer(self._lines(stay), many=True, context=self.context).data

    @extend_schema_field(inline_serializer("StayKindNotApplied", {"kind": serializers.CharField(),
                                                                  "reason": serializers.CharField()}, many=True))
    def get_not_applied(self, stay) -> list[dict]:
        live = self._live(stay)
        kinds = {line.kind for line in live}
        return [{"kind": c.kind, "reason": c.refusal}
                for c in stays.stay_line_choices(stay.enrolment, stays.stay_facts(live or self._lines(stay)))
                if c.refusal and c.kind not in kinds]

    @extend_schema_field(ClaimDocumentSerializer(many=True))
    def get_documents(self, stay) -> list[dict]:
        return ClaimDocumentSerializer(selectors.stay_documents(self._live(stay) or self._lines(stay)), many=True,
                                       context=self.context).data

    def get_missing(self, stay) -> list[str]:
        return stays.stay_missing(self._live(stay)) if self.get_editable(stay) else []


@extend_schema_serializer(component_name="ClaimStayCreate")
class StayCreateSerializer(FactsSerializer):
    enrolment = object_id_field()


def _facts_from(data: dict) -> dict:
    return {name: value for name, value in data.items() if name in STAY_FACTS}


class StayViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """The signed-in member's hospital stays."""

    queryset = ClaimStay.objects.none()
    serializer_class = StaySerializer
    parser_classes = [ObjectJSONParser, MultiPartParser, FormParser]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return ClaimStay.objects.none()
        return selectors.member_stays(self.request.user).order_by("-created_at", "-id")

    def _answer(self, stay_id, code=status.HTTP_200_OK):
        stay = self.get_queryset().get(pk=stay_id)
        return Response(StaySerializer(stay, context=self.get_serializer_context()).data, status=code)

    @extend_schema(request=StayCreateSerializer, responses={201: StaySerializer, **ERRORS})
    def create(self, request):
        """Enters a stay: diagnosis, hospital, admission and discharge dates are required; costs and invoice numbers
        give the self-pay line; the payee defaults to the last submitted claim's."""
        data = StayCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        stay = stays.stay_create(actor=request.user, enrolment_id=data.validated_data["enrolment"],
                                 facts=_facts_from(data.validated_data))
        return self._answer(stay.pk, status.HTTP_201_CREATED)

    @extend_schema(request=FactsSerializer, responses={200: StaySerializer, **ERRORS})
    def partial_update(self, request, pk=None):
        """Changes the facts of every line before submission; a kind the facts now (no longer) qualify for gets
        (loses) its line."""
        stay = self.get_object()
        data = FactsSerializer(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        stays.stay_update(actor=request.user, stay_id=stay.pk, facts=_facts_from(data.validated_data))
        return self._answer(stay.pk)

    @extend_schema(request={"multipart/form-data": ClaimDocumentUploadSerializer},
                   responses={201: ClaimDocumentSerializer, **ERRORS})
    @action(detail=True, methods=["post"], parser_classes=[MultiPartParser, FormParser])
    def documents(self, request, pk=None):
        """Uploads a document once for every line (JPEG, PNG, HEIC or PDF, at most 10 MB)."""
        stay = self.get_object()
        data = ClaimDocumentUploadSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        document = stays.stay_document_add(actor=request.user, stay_id=stay.pk,
                                           kind=data.validated_data["kind"], upload=data.validated_data["file"])
        return Response(ClaimDocumentSerializer(document, context=self.get_serializer_context()).data,
                        status=status.HTTP_201_CREATED)

    @extend_schema(request=None, responses={204: OpenApiResponse(description=_("已移除")), **ERRORS})
    @action(detail=True, methods=["delete"], url_path=r"documents/(?P<token>[0-9a-f-]{36})")
    def remove_document(self, request, pk=None, token=None):
        """Takes a document off every line (kept, marked removed)."""
        stay = self.get_object()
        stays.stay_document_remove(actor=request.user, stay_id=stay.pk, token=token)
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(request=None, responses={200: StaySerializer, **ERRORS, 409: ErrorEnvelopeSerializer})
    @action(detail=True, methods=["post"])
    def submit(self, request, pk=None):
        """Submits every line, or none (the error lists what is missing)."""
        stay = self.get_object()
        stays.stay_submit(actor=request.user, stay_id=stay.pk)
        return self._answer(stay.pk)
