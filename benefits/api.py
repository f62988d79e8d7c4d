"""/api/v1/ endpoints of the mutual-aid plan: the same services and scope helper as the pages."""

from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response
from rest_framework.views import APIView

from core.api import error_response
from members.http import client_ip
from members.models import Member

from . import selectors, services
from .models import Enrolment, Payment, Plan
from .payments import online_provider
from .serializers import (
    CheckoutSerializer,
    CoverSerializer,
    EnrolmentCreateSerializer,
    EnrolmentSerializer,
    GroupEnrolmentResultSerializer,
    GroupEnrolmentSerializer,
    PaySerializer,
    PlanSerializer,
)


class PlanViewSet(viewsets.ReadOnlyModelViewSet):
    """Plans open for enrolment or still covering members, with tiers and their benefits in plain words."""

    queryset = Plan.objects.none()
    serializer_class = PlanSerializer
    filterset_fields = ["year"]
    ordering_fields = ["year", "enrol_opens"]

    def get_queryset(self):
        return selectors.plans_visible().order_by("-year", "id")


class EnrolmentViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """The signed-in member's own enrolments."""

    serializer_class = EnrolmentSerializer
    filterset_fields = ["status", "plan"]
    ordering_fields = ["created_at"]

    queryset = Enrolment.objects.none()

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Enrolment.objects.none()
        return (
            Enrolment.objects.filter(member__user=self.request.user)
            .select_related("plan", "tier", "payment", "subsidy_rule__paying_branch")
            .order_by("-created_at", "-id")
        )

    @extend_schema(request=EnrolmentCreateSerializer, responses={201: EnrolmentSerializer})
    def create(self, request):
        data = EnrolmentCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        member = Member.objects.filter(user=request.user).first()
        if member is None:
            return error_response(_("您还不是工会会员，请先申请入会。"))
        try:
            enrolment = services.enrolment_create(
                actor=request.user, plan_id=data.validated_data["plan"], tier_id=data.validated_data["tier"],
                member=member, employer_non_public=data.validated_data["employer_non_public"],
            )
        except Plan.DoesNotExist:
            return error_response(_("找不到该方案。"), code="not_found", status_code=404)
        return Response(self.get_serializer(self.get_queryset().get(pk=enrolment.pk)).data,
                        status=status.HTTP_201_CREATED)

    @extend_schema(request=PaySerializer, responses={201: CheckoutSerializer, 400: OpenApiResponse(description="错误")})
    @action(detail=True, methods=["post"])
    def pay(self, request, pk=None):
        """Opens an online payment of the member part; answers the gateway page to send the member to."""
        enrolment = self.get_object()
        data = PaySerializer(data=request.data)
        data.is_valid(raise_exception=True)
        provider = online_provider()
        if provider is None:
            return error_response(_("暂不支持在线缴费，请向所在工会缴纳。"), code="no_online_payment")
        payment = services.payment_start_online(user=request.user, enrolment_id=enrolment.pk,
                                                amount=data.validated_data["amount"], provider=provider.code)
        if provider.code == Payment.Provider.WECHATPAY:
            url = provider.checkout_url(payment, client_ip=client_ip(request))
        else:
            url = request.build_absolute_uri(provider.checkout_url(payment))
        return Response({"payment": payment.number, "amount": payment.amount, "checkout_url": url},
                        status=status.HTTP_201_CREATED)


    @extend_schema(request=None, responses={201: EnrolmentSerializer})
    @action(detail=True, methods=["post"])
    def renew(self, request, pk=None):
        """Renews this active enrolment in next year's plan, same tier (from the plan's `renewal_opens`); the new
        enrolment is then paid like any other."""
        enrolment = self.get_object()
        renewed = services.enrolment_renew(actor=request.user, enrolment_id=enrolment.pk)
        return Response(self.get_serializer(self.get_queryset().get(pk=renewed.pk)).data,
                        status=status.HTTP_201_CREATED)


class MyCoverView(APIView):
    """The member's active cover: plan, tier, cover period, waiting period end, what is left of each cap."""

    @extend_schema(responses=CoverSerializer(many=True))
    def get(self, request):
        member = Member.objects.filter(user=request.user).first()
        covers = []
        if member:
            enrolments = selectors.member_enrolments(member).filter(
                status=Enrolment.Status.ACTIVE, cover_end__gte=timezone.localdate()
            )
            for enrolment in enrolments:
                summary = selectors.cover_summary(enrolment)
                covers.append({
                    "enrolment": enrolment, "plan": enrolment.plan.name, "tier": enrolment.tier.name,
                    "cover_start": enrolment.cover_start, "cover_end": enrolment.cover_end,
                    "waiting_until": enrolment.waiting_until,
                    "caps": [{**c, "label": str(c["label"]) if c["label"] else None} for c in summary["caps"]],
                })
        return Response(CoverSerializer(covers, many=True).data)


class GroupEnrolmentView(APIView):
    """Company-union staff (finance or branch admin) enrol members of their branch with one group payment."""

    @extend_schema(request=GroupEnrolmentSerializer, responses={201: GroupEnrolmentResultSerializer})
    def post(self, request):
        data = GroupEnrolmentSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        try:
            result = services.group_enrolment_create(
                actor=request.user, plan_id=values["plan"], tier_id=values["tier"], branch_id=values["branch"],
                member_ids=values["member_ids"], method=values["method"], amount=values["amount"],
                reference=values["reference"], employer_non_public=values["employer_non_public"],
                renewals_only=values["renewals_only"],
            )
        except Plan.DoesNotExist:
            return error_response(_("找不到该方案。"), code="not_found", status_code=404)
        body = {
            "payment": result.payment.number, "enrolled": result.enrolled, "member_total": result.member_total,
            "subsidy_total": result.subsidy_total,
            "skipped": [{"name": name, "reason": str(reason)} for name, reason in result.skipped],
        }
        return Response(GroupEnrolmentResultSerializer(body).data, status=status.HTTP_201_CREATED)
