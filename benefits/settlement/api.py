"""/api/v1/settlement/: a social-security bureau's or hospital's system posts settlement records with the token
only that integration holds (header `X-Integration-Token`), for branches within its own subtree, and follows the
import it started. The records go the same way as a file staff upload (docs/benefits-settlement.md)."""

from django.contrib.auth.models import AnonymousUser
from django.utils.translation import gettext as _
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.utils import extend_schema, extend_schema_serializer
from rest_framework import exceptions, serializers, status
from rest_framework.authentication import BaseAuthentication
from rest_framework.permissions import BasePermission
from rest_framework.response import Response
from rest_framework.views import APIView

from core.api import ErrorEnvelopeSerializer, object_id_field

from ..models import SettlementImport, SettlementIntegration
from . import services

HEADER = "X-Integration-Token"


class IntegrationTokenAuthentication(BaseAuthentication):
    """The integration named by its token (only its digest is stored); no user signs in."""

    def authenticate(self, request):
        token = request.headers.get(HEADER)
        if not token:
            return None
        integration = services.integration_for_token(token)
        if integration is None:
            raise exceptions.AuthenticationFailed(_("对接令牌无效或已停用。"))
        return AnonymousUser(), integration

    def authenticate_header(self, request):
        return HEADER


class IntegrationTokenScheme(OpenApiAuthenticationExtension):
    target_class = "benefits.settlement.api.IntegrationTokenAuthentication"
    name = "integrationToken"

    def get_security_definition(self, auto_schema):
        return {"type": "apiKey", "in": "header", "name": HEADER,
                "description": "The token of one settlement-record integration (shown once when it is set up)."}


class IsIntegration(BasePermission):
    def has_permission(self, request, view):
        return isinstance(request.auth, SettlementIntegration)


class RecordSerializer(serializers.Serializer):
    # Strings as the file's cells are: each is checked as a file's row is, and a bad one reported by row number.
    id_number = serializers.CharField(max_length=40, allow_blank=True)
    name = serializers.CharField(max_length=100, allow_blank=True)
    hospital = serializers.CharField(max_length=200, allow_blank=True)
    admission_date = serializers.CharField(max_length=20, allow_blank=True, help_text="YYYY-MM-DD")
    discharge_date = serializers.CharField(max_length=20, allow_blank=True, help_text="YYYY-MM-DD")
    total_cost = serializers.CharField(max_length=20, allow_blank=True, help_text="yuan, e.g. 12000.00")
    self_paid = serializers.CharField(max_length=20, allow_blank=True)
    bed_fee = serializers.CharField(max_length=20, allow_blank=True)
    settlement_number = serializers.CharField(max_length=50, allow_blank=True)
    diagnosis_code = serializers.CharField(max_length=50, allow_blank=True, required=False, default="")


class RecordsPostSerializer(serializers.Serializer):
    branch = object_id_field(help_text="The branch whose subtree the records are matched in (within the "
                                       "integration's own).")
    records = RecordSerializer(many=True, allow_empty=False, max_length=services.MAX_API_RECORDS)


@extend_schema_serializer(component_name="SettlementImport")
class ImportSerializer(serializers.ModelSerializer):
    status = serializers.ChoiceField(choices=SettlementImport.Status.choices, read_only=True)

    class Meta:
        model = SettlementImport
        fields = ["id", "status", "message", "total_rows", "processed_rows", "matched_count", "not_enrolled_count",
                  "duplicate_count", "refused_count", "filed_count", "created_at", "finished_at"]
        read_only_fields = fields


ERRORS = {400: ErrorEnvelopeSerializer, 401: ErrorEnvelopeSerializer, 403: ErrorEnvelopeSerializer}


class RecordsView(APIView):
    """Posts up to 5,000 settlement records; answers 202 with the import, processed in the background (row errors:
    GET the import, and the staff's report)."""

    authentication_classes = [IntegrationTokenAuthentication]
    permission_classes = [IsIntegration]

    @extend_schema(request=RecordsPostSerializer, responses={202: ImportSerializer, **ERRORS},
                   operation_id="settlement_records_post")
    def post(self, request):
        data = RecordsPostSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        job = services.settlement_import_post(integration=request.auth, branch_id=data.validated_data["branch"],
                                              records=data.validated_data["records"])
        return Response(ImportSerializer(job).data, status=status.HTTP_202_ACCEPTED)


class ImportView(APIView):
    """One import the integration started: where it stands."""

    authentication_classes = [IntegrationTokenAuthentication]
    permission_classes = [IsIntegration]

    @extend_schema(responses={200: ImportSerializer, 401: ErrorEnvelopeSerializer, 403: ErrorEnvelopeSerializer,
                              404: ErrorEnvelopeSerializer}, operation_id="settlement_import_retrieve")
    def get(self, request, import_id: int):
        job = SettlementImport.objects.filter(pk=import_id, integration=request.auth).first()
        if job is None:
            raise exceptions.NotFound(_("没有找到，或您无权查看。"))
        return Response(ImportSerializer(job).data)
