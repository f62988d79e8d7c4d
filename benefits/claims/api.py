"""/api/v1/claims/: the member's claims (list, create, read, update a draft, documents, submit, withdraw,
timeline) and /api/v1/claims/review/: the reviewers' side, scoped by `branches_in_scope` like the admin.
The same services as the pages; domain errors answer the standard error envelope."""

from datetime import date

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

from core.api import ID_MAX, ErrorEnvelopeSerializer, object_id_field
from core.parsers import ObjectJSONParser

from ..models import BenefitKind, Claim, ClaimDocument, ClaimEvent, DocumentKind, RejectReason
from ..review import links
from ..review.decisions import decision_arguments
from . import selectors, services

ERRORS = {400: ErrorEnvelopeSerializer, 404: ErrorEnvelopeSerializer}


@extend_schema_serializer(component_name="ClaimDocument")
class ClaimDocumentSerializer(serializers.ModelSerializer):
    url = serializers.SerializerMethodField()

    class Meta:
        model = ClaimDocument
        fields = ["token", "kind", "content_type", "size", "sha256", "uploaded_at", "url"]

    def get_url(self, document) -> str:
        """Signed for the user asking, valid CLAIM_DOCUMENT_URL_MAX_AGE seconds: an app opens it without a
        session cookie (benefits/review/links.py)."""
        request = self.context.get("request")
        url = links.document_url(token=document.token, user=getattr(request, "user", None))
        return request.build_absolute_uri(url) if request is not None else url


@extend_schema_serializer(component_name="ClaimDocumentUpload")
class ClaimDocumentUploadSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=DocumentKind.choices)
    file = serializers.FileField()


FACT_FIELDS = ["diagnosis", "disease_code", "first_diagnosis", "event_date", "hospital", "admission_date",
               "discharge_date", "total_cost", "self_paid", "bed_fee", "grade", "invoice_numbers", "bank_name",
               "bank_account", "account_holder"]


@extend_schema_serializer(component_name="ClaimPreview")
class ClaimPreviewSerializer(serializers.Serializer):
    amount = serializers.DecimalField(max_digits=12, decimal_places=2)
    eligible = serializers.BooleanField()
    reasons = serializers.ListField(child=serializers.CharField())
    lines = serializers.ListField(child=serializers.CharField())


@extend_schema_serializer(component_name="Claim")
class ClaimSerializer(serializers.ModelSerializer):
    documents = serializers.SerializerMethodField()
    missing = serializers.SerializerMethodField()
    preview = serializers.SerializerMethodField(
        help_text="Drafts and returned claims: what the rules would say of the facts as entered (amount, reasons "
                  "it may be 0, lines); null until the date the claim turns on is known, and after submission.")
    expected_decision = serializers.SerializerMethodField(
        help_text="Under review: the day a decision can be expected (the plan's service time per level ahead).")
    return_item_labels = serializers.SerializerMethodField(
        help_text="A returned claim: what the reviewer ticked as missing, in words (codes in `return_items`).")
    # "" until a rejection: a read-only model field loses DRF's allow_blank, so it is said here.
    reject_reason = serializers.ChoiceField(choices=RejectReason.choices, allow_blank=True, read_only=True)

    class Meta:
        model = Claim
        fields = ["id", "number", "enrolment", "kind", "state", "version", *FACT_FIELDS, "proposed_amount",
                  "approved_amount", "paid_amount", "assessment", "flags", "reject_reason", "decision_message",
                  "created_at", "submitted_at", "decided_at", "paid_at", "documents", "missing", "preview",
                  "expected_decision", "return_items", "return_item_labels"]
        read_only_fields = fields

    @extend_schema_field(ClaimPreviewSerializer(allow_null=True))
    def get_preview(self, claim) -> dict | None:
        assessment = services.claim_preview(claim)
        if assessment is None:
            return None
        data = assessment.as_data()
        return {"amount": data["amount"], "eligible": data["eligible"], "reasons": data["reasons"],
                "lines": [line["text"] for line in data["lines"]]}

    def get_expected_decision(self, claim) -> date | None:
        return services.claim_expected_decision(claim)

    def get_return_item_labels(self, claim) -> list[str]:
        return services.return_item_labels(claim)

    def get_documents(self, claim) -> list[dict]:
        return ClaimDocumentSerializer(selectors.claim_documents(claim), many=True, context=self.context).data

    def get_missing(self, claim) -> list[str]:
        """What still lacks before the claim can be submitted (drafts and returned claims)."""
        if claim.state not in (Claim.State.DRAFT, Claim.State.RETURNED):
            return []
        return services.claim_missing(claim)


@extend_schema_serializer(component_name="ClaimListItem")
class ClaimListSerializer(serializers.ModelSerializer):
    class Meta:
        model = Claim
        fields = ["id", "number", "enrolment", "kind", "state", "proposed_amount", "approved_amount",
                  "paid_amount", "created_at", "submitted_at"]
        read_only_fields = fields


class FactsSerializer(serializers.Serializer):
    """The facts as sent; the service checks them (amounts, dates, their order) and says what is wrong."""

    diagnosis = serializers.CharField(required=False, allow_blank=True)
    disease_code = serializers.CharField(required=False, allow_blank=True)
    first_diagnosis = serializers.BooleanField(required=False)
    event_date = serializers.CharField(required=False, allow_blank=True, help_text="YYYY-MM-DD")
    hospital = serializers.CharField(required=False, allow_blank=True)
    admission_date = serializers.CharField(required=False, allow_blank=True, help_text="YYYY-MM-DD")
    discharge_date = serializers.CharField(required=False, allow_blank=True, help_text="YYYY-MM-DD")
    total_cost = serializers.CharField(required=False, allow_blank=True)
    self_paid = serializers.CharField(required=False, allow_blank=True)
    bed_fee = serializers.CharField(required=False, allow_blank=True)
    grade = serializers.CharField(required=False, allow_blank=True)
    invoice_numbers = serializers.ListField(child=serializers.CharField(), required=False)
    bank_name = serializers.CharField(required=False, allow_blank=True)
    bank_account = serializers.CharField(required=False, allow_blank=True)
    account_holder = serializers.CharField(required=False, allow_blank=True)


@extend_schema_serializer(component_name="ClaimCreate")
class ClaimCreateSerializer(FactsSerializer):
    enrolment = object_id_field()
    kind = serializers.ChoiceField(choices=BenefitKind.choices)


@extend_schema_serializer(component_name="ClaimUpdate")
class ClaimUpdateSerializer(FactsSerializer):
    pass


@extend_schema_serializer(component_name="ClaimWithdraw")
class ClaimWithdrawSerializer(serializers.Serializer):
    message = serializers.CharField(required=False, allow_blank=True, max_length=500)


@extend_schema_serializer(component_name="ClaimEvent")
class ClaimEventSerializer(serializers.ModelSerializer):
    label = serializers.SerializerMethodField()

    class Meta:
        model = ClaimEvent
        fields = ["action", "label", "from_state", "to_state", "amount_from", "amount_to", "message", "at"]

    def get_label(self, event) -> str:
        return str(services.ACTION_LABELS.get(event.action, event.action))


@extend_schema_serializer(component_name="ClaimReviewEvent")
class ClaimReviewEventSerializer(ClaimEventSerializer):
    actor = serializers.CharField(source="actor.name", default=None, read_only=True)

    class Meta(ClaimEventSerializer.Meta):
        fields = [*ClaimEventSerializer.Meta.fields, "actor"]


@extend_schema_serializer(component_name="YearClaim")
class YearClaimSerializer(serializers.ModelSerializer):
    amount_due = serializers.DecimalField(max_digits=12, decimal_places=2, read_only=True, allow_null=True)

    class Meta:
        model = Claim
        fields = ["id", "number", "kind", "state", "amount_due", "hospital_days_paid", "disease_code"]
        read_only_fields = fields


@extend_schema_serializer(component_name="ClaimReview")
class ClaimReviewSerializer(ClaimSerializer):
    member_name = serializers.CharField(source="member.name", read_only=True)
    branch_name = serializers.CharField(source="branch.name", read_only=True)
    history = serializers.SerializerMethodField()
    bank_changes = serializers.SerializerMethodField(
        help_text="Changes of the payee's bank details made after the claim was first submitted (account numbers "
                  "shown by their last four digits): check them before approving.")
    year_claims = serializers.SerializerMethodField(
        help_text="The member's other claims of the same plan year and what each takes (amount due, hospital days); "
                  "those under review, approved or paid count against the year's limits.")
    actions_allowed = serializers.SerializerMethodField(
        help_text="The review actions the signed-in reviewer may take now (a refused one answers 403 with why).")
    return_item_choices = serializers.SerializerMethodField(
        help_text="What may be ticked as missing when returning the claim (`items` of the decision).")

    class Meta(ClaimSerializer.Meta):
        fields = [*ClaimSerializer.Meta.fields, "member_name", "branch_name", "state_changed_at", "history",
                  "bank_changes", "year_claims", "actions_allowed", "return_item_choices"]
        read_only_fields = fields

    def get_history(self, claim) -> list[dict]:
        return ClaimReviewEventSerializer(selectors.claim_timeline(claim), many=True).data

    def get_bank_changes(self, claim) -> list[dict]:
        changes = services.claim_bank_changes(selectors.claim_timeline(claim))
        return [{"at": e.at, "changes": e.changes} for e in changes]

    @extend_schema_field(YearClaimSerializer(many=True))
    def get_year_claims(self, claim) -> list[dict]:
        return YearClaimSerializer(selectors.year_claims(claim), many=True).data

    @extend_schema_field(inline_serializer("ReturnItemChoice", {"value": serializers.CharField(),
                                                               "label": serializers.CharField()}, many=True))
    def get_return_item_choices(self, claim) -> list[dict]:
        return [{"value": value, "label": label} for value, label in services.return_item_choices(claim)]

    def get_actions_allowed(self, claim) -> list[str]:
        request = self.context.get("request")
        return services.claim_actions_allowed(request.user, claim) if request is not None else []


@extend_schema_serializer(component_name="ClaimReviewListItem")
class ClaimReviewListSerializer(serializers.ModelSerializer):
    member_name = serializers.CharField(source="member.name", read_only=True)
    branch_name = serializers.CharField(source="branch.name", read_only=True)
    flagged = serializers.SerializerMethodField()

    class Meta:
        model = Claim
        fields = ["id", "number", "kind", "state", "version", "member_name", "branch_name", "proposed_amount",
                  "approved_amount", "state_changed_at", "flagged"]
        read_only_fields = fields

    def get_flagged(self, claim) -> bool:
        return bool(claim.flags)


@extend_schema_serializer(component_name="ClaimDecision")
class ClaimDecisionSerializer(serializers.Serializer):
    action = serializers.ChoiceField(choices=[(a, str(services.ACTION_LABELS[a])) for a in services.REVIEW_ACTIONS])
    version = serializers.IntegerField(min_value=0, max_value=ID_MAX,
                                       help_text="The claim's version as read; a stale one answers 409.")
    message = serializers.CharField(required=False, allow_blank=True, default="")
    reason = serializers.ChoiceField(choices=RejectReason.choices, required=False, help_text="For reject.")
    items = serializers.ListField(
        child=serializers.CharField(max_length=60), required=False, default=list, max_length=50,
        help_text="For return (at least one): what is missing, as `document:<kind>` or `fact:<field>` "
                  "(the claim's `return_item_choices`).")
    amount = serializers.CharField(
        required=False,
        help_text="For adjust: the new amount. For approve (optional): the amount due as the approver read it; if it "
                  "changed meanwhile the approval answers 409.")


def _facts_from(data: dict) -> dict:
    return {k: v for k, v in data.items() if k in FACT_FIELDS}


class ClaimViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """The signed-in member's claims."""

    queryset = Claim.objects.none()
    serializer_class = ClaimSerializer
    filterset_fields = ["state", "kind"]
    ordering_fields = ["created_at"]
    parser_classes = [ObjectJSONParser, MultiPartParser, FormParser]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Claim.objects.none()
        return selectors.member_claims(self.request.user)

    def get_serializer_class(self):
        return ClaimListSerializer if self.action == "list" else ClaimSerializer

    def _answer(self, claim_id, code=status.HTTP_200_OK):
        return Response(ClaimSerializer(self.get_queryset().get(pk=claim_id)).data, status=code)

    @extend_schema(request=ClaimCreateSerializer, responses={201: ClaimSerializer, **ERRORS})
    def create(self, request):
        data = ClaimCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        claim = services.claim_create(actor=request.user, enrolment_id=data.validated_data["enrolment"],
                                    kind=data.validated_data["kind"], facts=_facts_from(data.validated_data))
        return self._answer(claim.pk, status.HTTP_201_CREATED)

    @extend_schema(request=ClaimUpdateSerializer, responses={200: ClaimSerializer, **ERRORS})
    def partial_update(self, request, pk=None):
        claim = self.get_object()
        data = ClaimUpdateSerializer(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        services.claim_update(actor=request.user, claim_id=claim.pk, facts=_facts_from(data.validated_data))
        return self._answer(claim.pk)

    @extend_schema(request={"multipart/form-data": ClaimDocumentUploadSerializer},
                   responses={201: ClaimDocumentSerializer, **ERRORS})
    @action(detail=True, methods=["post"], parser_classes=[MultiPartParser, FormParser])
    def documents(self, request, pk=None):
        """Uploads a document (JPEG, PNG, HEIC or PDF, at most 10 MB; photos lose their metadata)."""
        claim = self.get_object()
        data = ClaimDocumentUploadSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        document = services.document_add(actor=request.user, claim_id=claim.pk, kind=data.validated_data["kind"],
                                       upload=data.validated_data["file"])
        return Response(ClaimDocumentSerializer(document, context=self.get_serializer_context()).data,
                        status=status.HTTP_201_CREATED)

    @extend_schema(request=None, responses={204: OpenApiResponse(description=_("已移除")), **ERRORS})
    @action(detail=True, methods=["delete"], url_path=r"documents/(?P<token>[0-9a-f-]{36})")
    def remove_document(self, request, pk=None, token=None):
        """Takes a document off a draft (it is kept, marked removed)."""
        claim = self.get_object()
        services.document_remove(actor=request.user, claim_id=claim.pk, token=token)
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(request=None, responses={200: ClaimSerializer, **ERRORS, 409: ErrorEnvelopeSerializer})
    @action(detail=True, methods=["post"])
    def submit(self, request, pk=None):
        claim = self.get_object()
        services.claim_submit(actor=request.user, claim_id=claim.pk)
        return self._answer(claim.pk)

    @extend_schema(request=ClaimWithdrawSerializer, responses={200: ClaimSerializer, **ERRORS})
    @action(detail=True, methods=["post"])
    def withdraw(self, request, pk=None):
        claim = self.get_object()
        data = ClaimWithdrawSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.claim_withdraw(actor=request.user, claim_id=claim.pk,
                              message=data.validated_data.get("message", ""))
        return self._answer(claim.pk)

    @extend_schema(responses={200: ClaimEventSerializer(many=True)})
    @action(detail=True, methods=["get"], pagination_class=None, filter_backends=[])
    def timeline(self, request, pk=None):
        claim = self.get_object()
        return Response(ClaimEventSerializer(selectors.claim_timeline(claim), many=True).data)


class ClaimReviewViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Claims of the reviewer's subtrees (claims reviewers; superusers all). `?level=base|federation` for the
    queues; a decision names the version it was made on, and a stale one answers 409."""

    queryset = Claim.objects.none()
    serializer_class = ClaimReviewSerializer
    filterset_fields = ["state", "kind", "branch"]
    ordering_fields = ["state_changed_at", "created_at"]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Claim.objects.none()
        level = self.request.query_params.get("level")
        if self.action == "list" and level in ("base", "federation"):
            return selectors.review_queue(self.request.user, level=level)
        return (selectors.claims_in_review_scope(self.request.user)
                .select_related("member", "branch", "enrolment__plan").order_by("state_changed_at", "id"))

    def get_serializer_class(self):
        return ClaimReviewListSerializer if self.action == "list" else ClaimReviewSerializer

    @extend_schema(request=ClaimDecisionSerializer,
                   responses={200: ClaimReviewSerializer, **ERRORS,
                              403: OpenApiResponse(ErrorEnvelopeSerializer, description=(
                                  "Refused by the review rules (the reviewer filed the claim, holds the other level, "
                                  "made the other level's decision, or adjusted the amount they try to approve); "
                                  "`error.message` gives the reason.")),
                              409: ErrorEnvelopeSerializer})
    @action(detail=True, methods=["post"])
    def decide(self, request, pk=None):
        """pass (base level), approve (federation), return (message), reject (reason), adjust (amount + message)."""
        claim = self.get_object()
        data = ClaimDecisionSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        kwargs = {"actor": request.user, "claim_id": claim.pk, "version": values["version"], **decision_arguments(
            values["action"], message=values["message"], reason=values.get("reason", ""), amount=values.get("amount"),
            items=values["items"])}
        services.REVIEW_ACTIONS[values["action"]](**kwargs)
        claim = self.get_queryset().get(pk=claim.pk)
        return Response(ClaimReviewSerializer(claim, context=self.get_serializer_context()).data)
