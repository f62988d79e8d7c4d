"""API of the data work: branch statistics (scoped) and the published awards list."""

from django.shortcuts import get_object_or_404
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import generics, serializers
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from ..models import Award, Branch
from ..selectors import branches_in_scope
from . import awards, statistics


class BranchStatisticsSerializer(serializers.Serializer):
    branch_id = serializers.IntegerField()
    name = serializers.CharField()
    kind = serializers.ChoiceField(choices=Branch.Kind.choices)
    members = serializers.IntegerField(help_text="Active members in the subtree.")
    workers = serializers.IntegerField(help_text="Sum of worker_count over the subtree.")
    base_unions = serializers.IntegerField()
    base_unions_covered = serializers.IntegerField(help_text="Base unions with at least one active member.")
    unionisation_rate = serializers.DecimalField(
        max_digits=7, decimal_places=1, allow_null=True, help_text="members / workers, in percent (0.1)."
    )


class BranchStatisticsWithChildrenSerializer(BranchStatisticsSerializer):
    children = BranchStatisticsSerializer(many=True)


class BranchStatisticsView(APIView):
    """Statistics of a branch over its subtree, and of each direct child. 404 outside the caller's scope."""

    permission_classes = [IsAuthenticated]

    @extend_schema(responses=BranchStatisticsWithChildrenSerializer, tags=["members"])
    def get(self, request, branch_id: int):
        branch = get_object_or_404(branches_in_scope(request.user), pk=branch_id)
        child_ids = list(
            Branch.objects.filter(path__startswith=branch.path, depth=branch.depth + 1).values_list("id", flat=True)
        )
        stats = {s.branch_id: s for s in statistics.branch_statistics([branch.pk, *child_ids])}
        own = stats.pop(branch.pk)
        data = {**own.as_dict(), "children": [s.as_dict() for s in sorted(stats.values(), key=lambda s: s.name)]}
        return Response(BranchStatisticsWithChildrenSerializer(data).data)


class AwardSerializer(serializers.ModelSerializer):
    branch_name = serializers.CharField(source="branch.name")

    class Meta:
        model = Award
        fields = ["id", "year", "branch", "branch_name", "category", "item", "score", "subsidy"]


class AwardedListView(generics.ListAPIView):
    """Awarded base unions of a year (public, as 以奖代补 results are announced) with the year's total subsidy."""

    permission_classes = [AllowAny]
    serializer_class = AwardSerializer
    filter_backends: list = []

    def _year(self) -> int:
        try:
            return int(self.request.query_params.get("year", ""))
        except ValueError:
            return timezone.localdate().year

    def get_queryset(self):
        return awards.awarded_in_year(self._year())

    @extend_schema(
        tags=["members"],
        parameters=[OpenApiParameter("year", OpenApiTypes.INT, description="Award year (default: this year).")],
        responses=inline_serializer("AwardedPage", {
            "year": serializers.IntegerField(),
            "total_subsidy": serializers.DecimalField(max_digits=14, decimal_places=2),
            "count": serializers.IntegerField(),
            "next": serializers.URLField(allow_null=True),
            "previous": serializers.URLField(allow_null=True),
            "results": AwardSerializer(many=True),
        }),
    )
    def get(self, request, *args, **kwargs):
        response = self.list(request, *args, **kwargs)
        totals = awards.award_year_totals(self._year())
        response.data = {"year": self._year(), "total_subsidy": str(totals["total_subsidy"]), **response.data}
        return response
