"""API for the branch tree, the signed-in person's membership, and staff work on members, applications and
transfers. Staff endpoints filter through `branches_in_scope`: an id outside the scope answers 404."""

import django_filters
from allauth.core import ratelimit
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiResponse, extend_schema, inline_serializer
from rest_framework import mixins, permissions, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response
from rest_framework.views import APIView

from core.api import error_response, object_id_field
from core.text import validate_visible

from ..id_numbers import mask_id_number
from ..models import Branch, Member, MembershipApplication, StaffRole, Transfer
from ..selectors import user_is_staff_of_any_branch
from . import cards, personal_data, selectors, services

BRANCH_ADMIN = [StaffRole.Role.BRANCH_ADMIN]


# --- Public branch search ------------------------------------------------------------------------------


class BranchSerializer(serializers.ModelSerializer):
    kind_display = serializers.CharField(source="get_kind_display", read_only=True)
    federated_type_display = serializers.CharField(source="get_federated_type_display", read_only=True)

    class Meta:
        model = Branch
        fields = [
            "id", "name", "kind", "kind_display", "federated_type", "federated_type_display", "region", "address",
            "contact_phone", "depth",
        ]


class BranchFilter(django_filters.FilterSet):
    kind = django_filters.ChoiceFilter(choices=Branch.Kind.choices)
    federated_type = django_filters.ChoiceFilter(choices=Branch.FederatedType.choices)
    region = django_filters.CharFilter(lookup_expr="icontains")

    class Meta:
        model = Branch
        fields = ["kind", "federated_type", "region"]


class BranchViewSet(viewsets.ReadOnlyModelViewSet):
    """Public: find a union by name or area (`search`), kind, federated-union type and region."""

    permission_classes = [permissions.AllowAny]
    serializer_class = BranchSerializer
    filterset_class = BranchFilter
    search_fields = ["name", "region", "address"]
    ordering_fields = ["name", "path"]
    queryset = Branch.objects.filter(is_active=True).order_by("path")


# --- The signed-in person's membership -----------------------------------------------------------------


class OwnMemberSerializer(serializers.ModelSerializer):
    """The member's own data, with the ID number masked (the API is used on shared phones and logs)."""

    id_number = serializers.SerializerMethodField()
    branch = BranchSerializer(read_only=True)
    status_display = serializers.CharField(source="get_status_display", read_only=True)

    class Meta:
        model = Member
        fields = [
            "name", "id_number", "mobile", "employer", "employment_type", "branch", "member_number", "status",
            "status_display", "applied_at", "joined_at", "left_at",
        ]

    def get_id_number(self, obj) -> str:
        return mask_id_number(obj.id_number)


class ApplicationSerializer(serializers.ModelSerializer):
    branch_name = serializers.CharField(source="branch.name", read_only=True)
    # Plain strings: several models have a "status" enum and the schema would have to guess their names.
    status = serializers.CharField(read_only=True, help_text="pending, approved or rejected")

    class Meta:
        model = MembershipApplication
        fields = ["id", "branch", "branch_name", "name", "employer", "employment_type", "status", "reason",
                  "created_at", "decided_at"]


class TransferSerializer(serializers.ModelSerializer):
    from_branch_name = serializers.CharField(source="from_branch.name", read_only=True)
    to_branch_name = serializers.CharField(source="to_branch.name", read_only=True)
    member_name = serializers.CharField(source="member.name", read_only=True)
    member_number = serializers.CharField(source="member.member_number", read_only=True)
    status = serializers.CharField(read_only=True, help_text="pending, approved, rejected or cancelled")

    class Meta:
        model = Transfer
        fields = ["id", "member_name", "member_number", "from_branch", "from_branch_name", "to_branch",
                  "to_branch_name", "status", "note", "reason", "created_at", "decided_at"]


class MembershipSerializer(serializers.Serializer):
    member = OwnMemberSerializer(allow_null=True)
    applications = ApplicationSerializer(many=True)
    transfers = TransferSerializer(many=True)


class ApplyInputSerializer(serializers.Serializer):
    branch = object_id_field()
    name = serializers.CharField(max_length=100, validators=[validate_visible])
    id_number = serializers.CharField(max_length=18)
    mobile = serializers.CharField(max_length=11)
    employer = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    employment_type = serializers.ChoiceField(choices=Member.EmploymentType.choices)


class TransferInputSerializer(serializers.Serializer):
    to_branch = object_id_field()
    note = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")


class CardTokenSerializer(serializers.Serializer):
    token = serializers.CharField()
    verify_url = serializers.CharField()
    expires_at = serializers.DateTimeField()


def _membership_data(user) -> dict:
    member = Member.objects.select_related("branch").filter(user=user).first()
    if member is not None:
        history = selectors.membership_history(member)
    else:
        history = {
            "applications": list(MembershipApplication.objects.filter(user=user).select_related("branch")[:10]),
            "transfers": [],
        }
    return {"member": member, **history}


class MembershipView(APIView):
    """GET: my membership (status, masked data, history). POST: apply to join a branch."""

    @extend_schema(responses=MembershipSerializer, summary="My membership: status, masked data, history")
    def get(self, request):
        return Response(MembershipSerializer(_membership_data(request.user)).data)

    @extend_schema(request=ApplyInputSerializer, responses={201: ApplicationSerializer}, summary="Apply to join")
    def post(self, request):
        if not ratelimit.consume(request, action="member_id_lookup", user=request.user):
            return error_response(_("申请次数太多，请一小时后再试。"), code="rate_limited", status_code=429)
        data = ApplyInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        application = services.membership_apply(user=request.user, branch_id=values.pop("branch"), **values)
        return Response(ApplicationSerializer(application).data, status=status.HTTP_201_CREATED)


class MembershipTransferView(APIView):
    @extend_schema(request=TransferInputSerializer, responses={201: TransferSerializer}, summary="Ask to transfer")
    def post(self, request):
        data = TransferInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        transfer = services.transfer_request(
            user=request.user, to_branch_id=data.validated_data["to_branch"], note=data.validated_data["note"]
        )
        return Response(TransferSerializer(transfer).data, status=status.HTTP_201_CREATED)


class CardTokenView(APIView):
    @extend_schema(
        responses={200: CardTokenSerializer, 404: OpenApiResponse(description="Not an active member")},
        summary="A signed, expiring token for the member card's QR code",
    )
    def get(self, request):
        member = Member.objects.filter(user=request.user, status=Member.Status.ACTIVE).first()
        if member is None:
            return error_response(_("只有正常状态的会员才有会员卡。"), code="not_found", status_code=404)
        token = cards.card_token_for(member)
        return Response(
            CardTokenSerializer(
                {
                    "token": token,
                    "verify_url": request.build_absolute_uri(cards.card_verify_url(member, absolute=False)),
                    "expires_at": timezone.now() + cards.card_token_max_age(),
                }
            ).data
        )


# --- Staff ----------------------------------------------------------------------------------------------


class IsBranchStaff(permissions.BasePermission):
    """Holds some role on some branch (or is a superuser); the querysets narrow it to the scope."""

    def has_permission(self, request, view):
        return user_is_staff_of_any_branch(request.user, roles=getattr(view, "staff_roles", None))


class StaffMemberSerializer(serializers.ModelSerializer):
    """In lists the ID number is masked for everyone; the detail shows it in full to branch admins over the member
    (audited). The mobile is masked for every role but the branch admins' (members/personal_data.py)."""

    id_number = serializers.SerializerMethodField()
    mobile = serializers.SerializerMethodField()
    branch_name = serializers.CharField(source="branch.name", read_only=True)

    class Meta:
        model = Member
        fields = [
            "id", "name", "id_number", "birth_date", "gender", "mobile", "employer", "employment_type", "branch",
            "branch_name", "member_number", "status", "applied_at", "joined_at", "left_at",
        ]

    def _full(self, obj) -> bool:
        return obj.branch_id in self.context.get("full_data_branches", set())

    def get_id_number(self, obj) -> str:
        if self.context.get("full_id_number") and self._full(obj):
            return obj.id_number
        return mask_id_number(obj.id_number)

    def get_mobile(self, obj) -> str:
        return obj.mobile if self._full(obj) else personal_data.mask_mobile(obj.mobile)


class StaffMemberFilter(django_filters.FilterSet):
    class Meta:
        model = Member
        fields = ["status", "employment_type", "branch"]


class StaffMemberViewSet(viewsets.ReadOnlyModelViewSet):
    permission_classes = [permissions.IsAuthenticated, IsBranchStaff]
    serializer_class = StaffMemberSerializer
    filterset_class = StaffMemberFilter
    search_fields = ["name", "member_number", "mobile"]
    ordering_fields = ["name", "member_number", "joined_at"]

    def get_queryset(self):
        return selectors.members_in_scope(self.request.user).select_related("branch").order_by("-id")

    def get_serializer_context(self):
        full = (personal_data.full_data_branch_ids(self.request.user)
                if not getattr(self, "swagger_fake_view", False) else set())
        return {**super().get_serializer_context(), "full_id_number": self.action == "retrieve",
                "full_data_branches": full}

    def retrieve(self, request, *args, **kwargs):
        member = self.get_object()
        if personal_data.sees_personal_data(request.user, member):
            personal_data.personal_data_reveal(actor=request.user, member=member, where="api")
        return Response(self.get_serializer(member).data)


class DecisionSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")


class BulkDecisionSerializer(serializers.Serializer):
    ids = serializers.ListField(child=object_id_field(), min_length=1, max_length=200)
    decision = serializers.ChoiceField(choices=[("approve", "approve"), ("reject", "reject")])
    reason = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")


class StaffApplicationFilter(django_filters.FilterSet):
    class Meta:
        model = MembershipApplication
        fields = ["status", "branch", "employment_type"]


class StaffApplicationViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    permission_classes = [permissions.IsAuthenticated, IsBranchStaff]
    staff_roles = BRANCH_ADMIN
    serializer_class = ApplicationSerializer
    filterset_class = StaffApplicationFilter
    search_fields = ["name", "branch__name"]

    def get_queryset(self):
        return (
            selectors.applications_in_scope(self.request.user, roles=BRANCH_ADMIN)
            .select_related("branch")
            .order_by("created_at", "id")
        )

    @extend_schema(request=None, responses={200: ApplicationSerializer}, summary="Approve an application")
    @action(detail=True, methods=["post"])
    def approve(self, request, pk=None):
        application = self.get_object()
        application = services.application_approve(actor=request.user, application_id=application.pk)
        return Response(ApplicationSerializer(application).data)

    @extend_schema(request=DecisionSerializer, responses={200: ApplicationSerializer}, summary="Reject, with a reason")
    @action(detail=True, methods=["post"])
    def reject(self, request, pk=None):
        application = self.get_object()
        data = DecisionSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        application = services.application_reject(
            actor=request.user, application_id=application.pk, reason=data.validated_data["reason"]
        )
        return Response(ApplicationSerializer(application).data)

    @extend_schema(
        request=BulkDecisionSerializer,
        responses={200: inline_serializer("BulkDecisionResult", {"done": serializers.IntegerField(),
                                                                 "skipped": serializers.IntegerField()})},
        summary="Approve or reject many applications at once",
    )
    @action(detail=False, methods=["post"])
    def decide(self, request):
        data = BulkDecisionSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        ids = set(data.validated_data["ids"])
        if self.get_queryset().filter(pk__in=ids).count() != len(ids):
            return error_response(_("有申请不存在或不在您的管理范围内。"), code="not_found", status_code=404)
        result = services.applications_decide(
            actor=request.user, application_ids=list(ids), approve=data.validated_data["decision"] == "approve",
            reason=data.validated_data["reason"],
        )
        return Response(result)


class StaffTransferViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Transfers into or out of the staff member's branches; only the receiving side may decide."""

    permission_classes = [permissions.IsAuthenticated, IsBranchStaff]
    staff_roles = BRANCH_ADMIN
    serializer_class = TransferSerializer
    filterset_fields = ["status", "to_branch", "from_branch"]

    def get_queryset(self):
        return (
            selectors.transfers_in_scope(self.request.user, roles=BRANCH_ADMIN)
            .select_related("member", "from_branch", "to_branch")
            .order_by("created_at", "id")
        )

    @extend_schema(request=None, responses={200: TransferSerializer}, summary="Approve a transfer in")
    @action(detail=True, methods=["post"])
    def approve(self, request, pk=None):
        transfer = self.get_object()
        transfer = services.transfer_approve(actor=request.user, transfer_id=transfer.pk)
        return Response(TransferSerializer(transfer).data)

    @extend_schema(request=DecisionSerializer, responses={200: TransferSerializer}, summary="Reject, with a reason")
    @action(detail=True, methods=["post"])
    def reject(self, request, pk=None):
        transfer = self.get_object()
        data = DecisionSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        transfer = services.transfer_reject(
            actor=request.user, transfer_id=transfer.pk, reason=data.validated_data["reason"]
        )
        return Response(TransferSerializer(transfer).data)

