"""/api/v1/aid/education/: the member's education-aid applications (open campaigns, create, read, update a draft,
documents, submit, withdraw) and /api/v1/aid/education/review/: the reviewers' side, scoped by
`branches_in_scope` like the admin. The same services as the pages; refusals answer the standard error envelope."""

from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_serializer
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.response import Response

from core.api import ID_MAX, ErrorEnvelopeSerializer, object_id_field
from core.parsers import ObjectJSONParser
from members.id_numbers import mask_id_number
from members.models import Member

from ..models import (
    AidBasis,
    AidCampaign,
    AidDocument,
    AidDocumentKind,
    AidEvent,
    AidRejectReason,
    EducationAidApplication,
    SchoolStage,
)
from ..review import decisions, links
from ..review.transitions import ACTION_LABELS
from . import selectors, services

ERRORS = {400: ErrorEnvelopeSerializer, 404: ErrorEnvelopeSerializer}
FACT_FIELDS = ["child_name", "child_id_number", "school", "stage", "entry_year", "basis", "basis_note",
               "other_aid_declared", "other_aid_source", "other_aid_amount", "bank_name", "bank_account",
               "account_holder"]


@extend_schema_serializer(component_name="AidCampaign")
class AidCampaignSerializer(serializers.ModelSerializer):
    federation_name = serializers.CharField(source="federation.name", read_only=True)

    class Meta:
        model = AidCampaign
        fields = ["id", "year", "name", "federation_name", "opens_on", "closes_on", "amount_high_school",
                  "amount_vocational", "amount_undergraduate", "amount_graduate", "notes"]
        read_only_fields = fields


@extend_schema_serializer(component_name="AidDocument")
class AidDocumentSerializer(serializers.ModelSerializer):
    url = serializers.SerializerMethodField()

    class Meta:
        model = AidDocument
        fields = ["token", "kind", "content_type", "size", "uploaded_at", "url"]

    def get_url(self, document) -> str:
        """Signed for the user asking, valid CLAIM_DOCUMENT_URL_MAX_AGE seconds (benefits/review/links.py)."""
        request = self.context.get("request")
        url = links.document_url(token=document.token, user=getattr(request, "user", None),
                                 route="benefits:aid-document")
        return request.build_absolute_uri(url) if request is not None else url


@extend_schema_serializer(component_name="AidDocumentUpload")
class AidDocumentUploadSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=AidDocumentKind.choices)
    file = serializers.FileField()


@extend_schema_serializer(component_name="AidEvent")
class AidEventSerializer(serializers.ModelSerializer):
    label = serializers.SerializerMethodField()

    class Meta:
        model = AidEvent
        fields = ["action", "label", "from_state", "to_state", "amount_from", "amount_to", "message", "at"]

    def get_label(self, event) -> str:
        return str(ACTION_LABELS.get(event.action, event.action))


@extend_schema_serializer(component_name="AidApplication")
class AidApplicationSerializer(serializers.ModelSerializer):
    """The member's own application: the child's ID number shown masked, the bank account by its last four."""

    child_id_number = serializers.SerializerMethodField()
    bank_account = serializers.SerializerMethodField()
    campaign_name = serializers.CharField(source="campaign.name", read_only=True)
    documents = serializers.SerializerMethodField()
    missing = serializers.SerializerMethodField()
    history = serializers.SerializerMethodField()
    return_item_labels = serializers.SerializerMethodField()
    # "" until a rejection: a read-only model field loses DRF's allow_blank, so it is said here.
    reject_reason = serializers.ChoiceField(choices=AidRejectReason.choices, allow_blank=True, read_only=True)

    class Meta:
        model = EducationAidApplication
        fields = ["id", "number", "campaign", "campaign_name", "year", "state", "version", "child_name",
                  "child_id_number", "school", "stage", "entry_year", "basis", "basis_note", "other_aid_declared",
                  "other_aid_source", "other_aid_amount", "bank_name", "bank_account", "account_holder",
                  "proposed_amount", "approved_amount", "paid_amount", "reject_reason", "decision_message",
                  "return_items", "return_item_labels", "created_at", "submitted_at", "decided_at", "paid_at",
                  "documents", "missing", "history"]
        read_only_fields = fields

    def get_child_id_number(self, application) -> str:
        return mask_id_number(application.child_id_number)

    def get_bank_account(self, application) -> str:
        return f"****{application.bank_account[-4:]}" if application.bank_account else ""

    def get_documents(self, application) -> list[dict]:
        return AidDocumentSerializer(selectors.application_documents(application), many=True,
                                     context=self.context).data

    def get_missing(self, application) -> list[str]:
        if application.state not in (EducationAidApplication.State.DRAFT, EducationAidApplication.State.RETURNED):
            return []
        return services.aid_application_missing(application)

    def get_history(self, application) -> list[dict]:
        return AidEventSerializer(selectors.application_timeline(application), many=True).data

    def get_return_item_labels(self, application) -> list[str]:
        return decisions.return_labels(services.AID_REVIEW, application)


@extend_schema_serializer(component_name="AidApplicationListItem")
class AidApplicationListSerializer(serializers.ModelSerializer):
    class Meta:
        model = EducationAidApplication
        fields = ["id", "number", "year", "child_name", "stage", "state", "proposed_amount", "approved_amount",
                  "paid_amount", "created_at"]
        read_only_fields = fields


class AidFactsSerializer(serializers.Serializer):
    """The facts as sent; the service checks them (the child's ID number, the entry year, the ground) and says
    what is wrong, field by field."""

    child_name = serializers.CharField(max_length=50)
    child_id_number = serializers.CharField(max_length=40)
    school = serializers.CharField(max_length=100)
    stage = serializers.ChoiceField(choices=SchoolStage.choices)
    entry_year = serializers.CharField(max_length=4)
    basis = serializers.ChoiceField(choices=AidBasis.choices)
    basis_note = serializers.CharField(required=False, allow_blank=True, max_length=1000, default="")
    other_aid_declared = serializers.BooleanField(required=False, default=False)
    other_aid_source = serializers.CharField(required=False, allow_blank=True, max_length=100, default="")
    other_aid_amount = serializers.CharField(required=False, allow_blank=True, max_length=20, default="")
    bank_name = serializers.CharField(required=False, allow_blank=True, max_length=100, default="")
    bank_account = serializers.CharField(required=False, allow_blank=True, max_length=40, default="")
    account_holder = serializers.CharField(required=False, allow_blank=True, max_length=100, default="")


@extend_schema_serializer(component_name="AidApplicationCreate")
class AidCreateSerializer(AidFactsSerializer):
    campaign = object_id_field()


@extend_schema_serializer(component_name="AidWithdraw")
class AidWithdrawSerializer(serializers.Serializer):
    message = serializers.CharField(required=False, allow_blank=True, max_length=500)


class AidApplicationViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """The signed-in member's education-aid applications."""

    queryset = EducationAidApplication.objects.none()
    serializer_class = AidApplicationSerializer
    filterset_fields = ["state", "year"]
    ordering_fields = ["created_at"]
    parser_classes = [ObjectJSONParser, MultiPartParser, FormParser]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return EducationAidApplication.objects.none()
        return selectors.member_applications(self.request.user)

    def get_serializer_class(self):
        return AidApplicationListSerializer if self.action == "list" else AidApplicationSerializer

    def _answer(self, application_id, code=status.HTTP_200_OK):
        application = self.get_queryset().get(pk=application_id)
        return Response(AidApplicationSerializer(application, context=self.get_serializer_context()).data,
                        status=code)

    @extend_schema(responses={200: AidCampaignSerializer(many=True)})
    @action(detail=False, methods=["get"], pagination_class=None, filter_backends=[])
    def campaigns(self, request):
        """The campaigns the signed-in member may apply to today (none for a non-member)."""
        member = Member.objects.select_related("branch").filter(user_id=request.user.pk).first()
        return Response(AidCampaignSerializer(selectors.campaigns_open_for(member), many=True).data)

    @extend_schema(request=AidCreateSerializer, responses={201: AidApplicationSerializer, **ERRORS,
                                                           403: ErrorEnvelopeSerializer})
    def create(self, request):
        data = AidCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = {k: v for k, v in data.validated_data.items() if k in FACT_FIELDS}
        application = services.aid_application_create(actor=request.user, campaign_id=data.validated_data["campaign"],
                                                      values=values)
        return self._answer(application.pk, status.HTTP_201_CREATED)

    @extend_schema(request=AidFactsSerializer, responses={200: AidApplicationSerializer, **ERRORS})
    def update(self, request, pk=None):
        """Replaces the facts of a draft or a returned application (all of them, as on the form)."""
        application = self.get_object()
        data = AidFactsSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.aid_application_update(actor=request.user, application_id=application.pk,
                                        values=dict(data.validated_data))
        return self._answer(application.pk)

    @extend_schema(request={"multipart/form-data": AidDocumentUploadSerializer},
                   responses={201: AidDocumentSerializer, **ERRORS})
    @action(detail=True, methods=["post"], parser_classes=[MultiPartParser, FormParser])
    def documents(self, request, pk=None):
        """Uploads a document (JPEG, PNG, HEIC or PDF, at most 10 MB; photos lose their metadata)."""
        application = self.get_object()
        data = AidDocumentUploadSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        document = services.aid_document_add(actor=request.user, application_id=application.pk,
                                             kind=data.validated_data["kind"], upload=data.validated_data["file"])
        return Response(AidDocumentSerializer(document, context=self.get_serializer_context()).data,
                        status=status.HTTP_201_CREATED)

    @extend_schema(request=None, responses={204: OpenApiResponse(description=_("已移除")), **ERRORS})
    @action(detail=True, methods=["delete"], url_path=r"documents/(?P<token>[0-9a-f-]{36})")
    def remove_document(self, request, pk=None, token=None):
        application = self.get_object()
        services.aid_document_remove(actor=request.user, application_id=application.pk, token=token)
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(request=None, responses={200: AidApplicationSerializer, **ERRORS, 409: ErrorEnvelopeSerializer})
    @action(detail=True, methods=["post"])
    def submit(self, request, pk=None):
        application = self.get_object()
        services.aid_application_submit(actor=request.user, application_id=application.pk)
        return self._answer(application.pk)

    @extend_schema(request=AidWithdrawSerializer, responses={200: AidApplicationSerializer, **ERRORS})
    @action(detail=True, methods=["post"])
    def withdraw(self, request, pk=None):
        application = self.get_object()
        data = AidWithdrawSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.aid_application_withdraw(actor=request.user, application_id=application.pk,
                                          message=data.validated_data.get("message", ""))
        return self._answer(application.pk)


@extend_schema_serializer(component_name="AidReview")
class AidReviewSerializer(AidApplicationSerializer):
    """What a reviewer reads: the payee in full (finance pays it), the child's ID number masked as everywhere, the
    history, the actions they may take now."""

    bank_account = serializers.CharField(read_only=True)
    member_name = serializers.CharField(source="member.name", read_only=True)
    branch_name = serializers.CharField(source="branch.name", read_only=True)
    other_aid_override_reason = serializers.CharField(read_only=True)
    actions_allowed = serializers.SerializerMethodField()

    class Meta(AidApplicationSerializer.Meta):
        fields = [*AidApplicationSerializer.Meta.fields, "member_name", "branch_name", "state_changed_at",
                  "other_aid_override_reason", "actions_allowed"]
        read_only_fields = fields

    def get_actions_allowed(self, application) -> list[str]:
        request = self.context.get("request")
        return services.aid_actions_allowed(request.user, application) if request is not None else []


@extend_schema_serializer(component_name="AidReviewListItem")
class AidReviewListSerializer(serializers.ModelSerializer):
    member_name = serializers.CharField(source="member.name", read_only=True)
    branch_name = serializers.CharField(source="branch.name", read_only=True)

    class Meta:
        model = EducationAidApplication
        fields = ["id", "number", "year", "child_name", "stage", "state", "version", "member_name", "branch_name",
                  "proposed_amount", "approved_amount", "other_aid_declared", "state_changed_at"]
        read_only_fields = fields


@extend_schema_serializer(component_name="AidDecision")
class AidDecisionSerializer(serializers.Serializer):
    action = serializers.ChoiceField(choices=[(a, str(ACTION_LABELS[a])) for a in services.REVIEW_ACTIONS])
    version = serializers.IntegerField(min_value=0, max_value=ID_MAX,
                                       help_text="The application's version as read; a stale one answers 409.")
    message = serializers.CharField(required=False, allow_blank=True, default="")
    reason = serializers.ChoiceField(choices=AidRejectReason.choices, required=False, help_text="For reject.")
    items = serializers.ListField(child=serializers.CharField(max_length=60), required=False, default=list,
                                  max_length=50, help_text="For return (at least one): `document:<kind>` or "
                                                           "`fact:<field>`.")
    amount = serializers.CharField(required=False, help_text="For adjust: the new amount. For approve (optional): "
                                                             "the amount due as read; a changed one answers 409.")


class AidReviewViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Education-aid applications of the reviewer's subtrees. `override` (with the reason as `message`) lets an
    application with aid declared from elsewhere be approved."""

    queryset = EducationAidApplication.objects.none()
    serializer_class = AidReviewSerializer
    filterset_fields = ["state", "stage", "year"]
    ordering_fields = ["state_changed_at", "created_at"]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return EducationAidApplication.objects.none()
        return (selectors.applications_in_review_scope(self.request.user)
                .select_related("member", "branch", "campaign__federation").order_by("state_changed_at", "id"))

    def get_serializer_class(self):
        return AidReviewListSerializer if self.action == "list" else AidReviewSerializer

    @extend_schema(request=AidDecisionSerializer,
                   responses={200: AidReviewSerializer, **ERRORS,
                              403: OpenApiResponse(ErrorEnvelopeSerializer, description=(
                                  "Refused by the review rules (own application, the other level, four eyes); "
                                  "`error.message` gives the reason.")),
                              409: ErrorEnvelopeSerializer})
    @action(detail=True, methods=["post"])
    def decide(self, request, pk=None):
        application = self.get_object()
        data = AidDecisionSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        services.REVIEW_ACTIONS[values["action"]](
            actor=request.user, application_id=application.pk, version=values["version"],
            **decisions.decision_arguments(values["action"], message=values["message"],
                                           reason=values.get("reason", ""), amount=values.get("amount"),
                                           items=values["items"]))
        application = self.get_queryset().get(pk=application.pk)
        return Response(AidReviewSerializer(application, context=self.get_serializer_context()).data)
