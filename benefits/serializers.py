from rest_framework import serializers

from core.api import object_id_field

from . import rules
from .models import Enrolment, Payment, Plan, Tier


class RuleSummarySerializer(serializers.Serializer):
    kind = serializers.CharField()
    label = serializers.CharField()
    description = serializers.CharField()


class TierSerializer(serializers.ModelSerializer):
    rules = serializers.SerializerMethodField()

    class Meta:
        model = Tier
        fields = ["id", "code", "name", "fee", "yearly_cap", "rules"]

    def get_rules(self, tier) -> list[dict]:
        out = []
        for row in tier.rules.all():
            spec = rules.rule_spec_from_data(kind=row.kind, params=row.params, diseases=())
            out.append({"kind": row.kind, "label": str(rules.KIND_LABELS[row.kind]),
                        "description": rules.describe(spec).render()})
        return RuleSummarySerializer(out, many=True).data


class PlanSerializer(serializers.ModelSerializer):
    tiers = TierSerializer(many=True, read_only=True)
    window_open = serializers.SerializerMethodField()

    class Meta:
        model = Plan
        fields = ["id", "code", "year", "name", "enrol_opens", "enrol_closes", "window_open", "cover_start_rule",
                  "cover_starts", "cover_ends", "min_age", "max_age", "waiting_days", "renewal_grace_days",
                  "claim_deadline_days", "tiers"]

    def get_window_open(self, plan) -> bool:
        return plan.is_window_open()


class PaymentSummarySerializer(serializers.ModelSerializer):
    class Meta:
        model = Payment
        fields = ["id", "number", "provider", "method", "amount", "status", "is_group", "paid_at"]


class EnrolmentSerializer(serializers.ModelSerializer):
    plan_name = serializers.CharField(source="plan.name", read_only=True)
    tier_name = serializers.CharField(source="tier.name", read_only=True)
    subsidy_payer = serializers.CharField(source="subsidy_rule.paying_branch.name", read_only=True, default=None)
    payment = PaymentSummarySerializer(read_only=True, allow_null=True)  # null until a payment is opened

    class Meta:
        model = Enrolment
        fields = ["id", "plan", "plan_name", "tier", "tier_name", "status", "fee", "member_part", "subsidy_part",
                  "subsidy_payer", "employer_non_public", "is_renewal", "cover_start", "cover_end", "waiting_until",
                  "payment", "created_at"]
        read_only_fields = fields


class EnrolmentCreateSerializer(serializers.Serializer):
    plan = object_id_field()
    tier = object_id_field()
    employer_non_public = serializers.BooleanField(default=False)


class PaySerializer(serializers.Serializer):
    amount = serializers.DecimalField(max_digits=10, decimal_places=2)


class CheckoutSerializer(serializers.Serializer):
    payment = serializers.CharField(help_text="缴费单号")
    amount = serializers.DecimalField(max_digits=10, decimal_places=2)
    checkout_url = serializers.CharField()


class GroupEnrolmentSerializer(serializers.Serializer):
    plan = object_id_field()
    tier = object_id_field()
    branch = object_id_field()
    member_ids = serializers.ListField(child=object_id_field(), required=False, allow_null=True,
                                       default=None, help_text="留空表示该工会全部正常状态的会员")
    method = serializers.ChoiceField(choices=[Payment.Method.TRANSFER, Payment.Method.CASH])
    amount = serializers.DecimalField(max_digits=12, decimal_places=2)
    reference = serializers.CharField(required=False, allow_blank=True, default="", max_length=64)
    employer_non_public = serializers.BooleanField(default=False)
    renewals_only = serializers.BooleanField(
        default=False, help_text="Only members with active cover in the previous year's plan (from renewal_opens).")


class GroupEnrolmentResultSerializer(serializers.Serializer):
    payment = serializers.CharField()
    enrolled = serializers.IntegerField()
    member_total = serializers.DecimalField(max_digits=12, decimal_places=2)
    subsidy_total = serializers.DecimalField(max_digits=12, decimal_places=2)
    skipped = serializers.ListField(child=serializers.DictField())


class CapSerializer(serializers.Serializer):
    kind = serializers.CharField()
    label = serializers.CharField(allow_null=True)
    unit = serializers.CharField()
    cap = serializers.DecimalField(max_digits=12, decimal_places=2)
    used = serializers.DecimalField(max_digits=12, decimal_places=2)
    left = serializers.DecimalField(max_digits=12, decimal_places=2)


class CoverSerializer(serializers.Serializer):
    enrolment = EnrolmentSerializer()
    plan = serializers.CharField()
    tier = serializers.CharField()
    cover_start = serializers.DateField()
    cover_end = serializers.DateField()
    waiting_until = serializers.DateField(allow_null=True)
    caps = CapSerializer(many=True)
