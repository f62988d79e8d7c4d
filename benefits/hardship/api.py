"""/api/v1/aid/hardship/: the member's own family (`mine/`: read, file, household, documents, leave) and the branch
staff's side (`families/`, `care-visits/`, `notices/`, `statistics/`), scoped by `branches_in_scope` like the pages.
The same services as the pages; a refused rule answers the standard error envelope."""

from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema, extend_schema_serializer, inline_serializer
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound, PermissionDenied
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from core.api import ErrorEnvelopeSerializer
from core.parsers import ObjectJSONParser
from members.organisation.personal_data import personal_data_reveal

from ..models import (
    HOUSEHOLD_MAX,
    CareVisit,
    HardshipCause,
    HardshipDocument,
    HardshipEvent,
    HardshipFamily,
    HardshipLevel,
    HardshipObjection,
    HomeVisit,
    HouseholdMember,
)
from ..review import links
from . import selectors, services

ID_PATTERN = r"[0-9]{1,18}"
ERRORS = {400: ErrorEnvelopeSerializer, 403: ErrorEnvelopeSerializer, 404: ErrorEnvelopeSerializer,
          409: ErrorEnvelopeSerializer}


# --- serializers ---------------------------------------------------------------------------------------------


@extend_schema_serializer(component_name="HardshipHouseholdMember")
class HouseholdMemberSerializer(serializers.ModelSerializer):
    class Meta:
        model = HouseholdMember
        fields = ["id", "name", "relation", "age", "health", "schooling"]
        read_only_fields = ["id"]
        extra_kwargs = {"age": {"min_value": 0, "max_value": 130}}


@extend_schema_serializer(component_name="HardshipDocument")
class DocumentSerializer(serializers.ModelSerializer):
    url = serializers.SerializerMethodField(
        help_text="Signed for the user asking (an app opens it without the session), valid "
                  "CLAIM_DOCUMENT_URL_MAX_AGE seconds; who may see the document is checked again when it is opened.")

    class Meta:
        model = HardshipDocument
        fields = ["token", "kind", "content_type", "size", "uploaded_at", "url"]
        read_only_fields = fields

    def get_url(self, document) -> str:
        """Signed for the user asking (benefits/review/links.py), as a claim's and an aid application's are."""
        request = self.context.get("request")
        url = links.document_url(token=document.token, user=getattr(request, "user", None),
                                 route="benefits:hardship-document")
        return request.build_absolute_uri(url) if request is not None else url


@extend_schema_serializer(component_name="HardshipHomeVisit")
class HomeVisitSerializer(serializers.ModelSerializer):
    photos = serializers.SerializerMethodField()

    class Meta:
        model = HomeVisit
        fields = ["id", "visited_on", "notes", "photos"]
        read_only_fields = fields

    def get_photos(self, visit) -> list[str]:
        return [str(photo.token) for photo in getattr(visit, "photo_list", [])]


@extend_schema_serializer(component_name="HardshipCareVisit")
class CareVisitSerializer(serializers.ModelSerializer):
    class Meta:
        model = CareVisit
        fields = ["id", "family", "kind", "due_on", "purpose", "done_on", "notes"]
        read_only_fields = fields


@extend_schema_serializer(component_name="HardshipObjection")
class ObjectionSerializer(serializers.ModelSerializer):
    class Meta:
        model = HardshipObjection
        fields = ["id", "received_on", "content", "resolution", "resolved_at"]
        read_only_fields = fields


@extend_schema_serializer(component_name="HardshipEvent")
class EventSerializer(serializers.ModelSerializer):
    class Meta:
        model = HardshipEvent
        fields = ["action", "from_status", "to_status", "message", "at"]
        read_only_fields = fields


FAMILY_FIELDS = ["id", "number", "status", "cause", "level", "situation", "monthly_income", "household_size",
                 "per_capita_income", "minimum_living", "filed_at", "notice_starts_on", "notice_ends_on",
                 "confirmed_at", "recheck_due", "left_at", "left_reason"]


@extend_schema_serializer(component_name="HardshipFamily")
class FamilySerializer(serializers.ModelSerializer):
    """A family with everything its page shows (`selectors.family_page` in the context as `page`)."""

    # "" until the family is confirmed: a read-only model field loses DRF's allow_blank, so it is said here.
    level = serializers.ChoiceField(choices=HardshipLevel.choices, allow_blank=True, read_only=True)
    household = serializers.SerializerMethodField()
    documents = serializers.SerializerMethodField()
    home_visits = serializers.SerializerMethodField()
    care_visits = serializers.SerializerMethodField()
    events = serializers.SerializerMethodField()

    class Meta:
        model = HardshipFamily
        fields = [*FAMILY_FIELDS, "household", "documents", "home_visits", "care_visits", "events"]
        read_only_fields = fields

    def _page(self):
        return self.context["page"]

    def get_household(self, family) -> list[dict]:
        return HouseholdMemberSerializer(self._page().household, many=True).data

    def get_documents(self, family) -> list[dict]:
        return DocumentSerializer(self._page().documents, many=True, context=self.context).data

    def _for_member(self, rows: list[dict]) -> list[dict]:
        # What staff wrote of a visit is theirs to read; the member sees when the visits were.
        return [{k: v for k, v in row.items() if k != "notes"} for row in rows]

    def get_home_visits(self, family) -> list[dict]:
        return self._for_member(HomeVisitSerializer(self._page().home_visits, many=True).data)

    def get_care_visits(self, family) -> list[dict]:
        return self._for_member(CareVisitSerializer(self._page().care_visits, many=True).data)

    def get_events(self, family) -> list[dict]:
        return EventSerializer(self._page().events, many=True).data


@extend_schema_serializer(component_name="HardshipFamilyStaff")
class StaffFamilySerializer(FamilySerializer):
    """The staff's view: the member (ID number masked unless the role sees personal data) and the objections."""

    member = serializers.SerializerMethodField()
    objections = serializers.SerializerMethodField()

    class Meta(FamilySerializer.Meta):
        fields = [*FamilySerializer.Meta.fields, "member", "objections"]
        read_only_fields = fields

    def get_member(self, family) -> dict:
        page = self._page()
        return {"id": family.member_id, "name": family.member.name, "member_number": family.member.member_number,
                "branch": family.member.branch.name, "id_number": page.id_number}

    def get_objections(self, family) -> list[dict]:
        return ObjectionSerializer(self._page().objections, many=True).data

    def _for_member(self, rows: list[dict]) -> list[dict]:
        return rows  # staff read the notes


@extend_schema_serializer(component_name="HardshipFamilyListItem")
class FamilyListSerializer(serializers.ModelSerializer):
    member_name = serializers.CharField(source="member.name", read_only=True)
    branch = serializers.CharField(source="member.branch.name", read_only=True)
    level = serializers.ChoiceField(choices=HardshipLevel.choices, allow_blank=True, read_only=True)

    class Meta:
        model = HardshipFamily
        fields = ["id", "number", "member_name", "branch", "status", "cause", "level", "per_capita_income",
                  "notice_ends_on", "recheck_due"]
        read_only_fields = fields


class FileSerializer(serializers.Serializer):
    cause = serializers.ChoiceField(choices=HardshipCause.choices)
    monthly_income = serializers.DecimalField(max_digits=12, decimal_places=2)
    household_size = serializers.IntegerField(min_value=1, max_value=HOUSEHOLD_MAX)
    situation = serializers.CharField(required=False, allow_blank=True, max_length=2000)


class StaffFileSerializer(FileSerializer):
    member_number = serializers.CharField(max_length=20)


class DocumentUploadSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=HardshipDocument.Kind.choices,
                                   help_text="Any kind but visit_photo (photos come with a home visit).")
    file = serializers.FileField()


class LeaveSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=2000)


class HomeVisitInputSerializer(serializers.Serializer):
    visited_on = serializers.DateField()
    notes = serializers.CharField(max_length=4000)
    photos = serializers.ListField(child=serializers.FileField(), required=False, max_length=10)


class ObjectionInputSerializer(serializers.Serializer):
    received_on = serializers.DateField()
    content = serializers.CharField(max_length=4000)


class ResolveSerializer(serializers.Serializer):
    objection = serializers.IntegerField(min_value=1)
    resolution = serializers.CharField(max_length=4000)


class ConfirmSerializer(serializers.Serializer):
    level = serializers.ChoiceField(choices=HardshipLevel.choices)


class RecheckSerializer(serializers.Serializer):
    monthly_income = serializers.DecimalField(max_digits=12, decimal_places=2)
    household_size = serializers.IntegerField(min_value=1, max_value=HOUSEHOLD_MAX)
    level = serializers.ChoiceField(choices=HardshipLevel.choices)
    notes = serializers.CharField(required=False, allow_blank=True, max_length=2000)


class CarePlanSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=CareVisit.Kind.choices)
    due_on = serializers.DateField()
    purpose = serializers.CharField(required=False, allow_blank=True, max_length=200)


class CareDoneSerializer(serializers.Serializer):
    done_on = serializers.DateField()
    notes = serializers.CharField(max_length=4000)


def _valid(serializer_class, request) -> dict:
    serializer = serializer_class(data=request.data)
    serializer.is_valid(raise_exception=True)
    return dict(serializer.validated_data)


# --- the member ----------------------------------------------------------------------------------------------


def _family_data(family, request, *, staff: bool) -> dict:
    page = selectors.family_page(family, viewer=request.user, for_staff=staff)
    if staff and page.full_data:
        personal_data_reveal(actor=request.user, member=family.member, where="api.aid.hardship.family")
    serializer_class = StaffFamilySerializer if staff else FamilySerializer
    return serializer_class(family, context={"request": request, "page": page}).data


class MyFamilyView(APIView):
    """GET: the member's own family (the active one, else the last that left); 404 when none. POST: files it."""

    parser_classes = [ObjectJSONParser, FormParser, MultiPartParser]

    def _mine(self, request):
        family = selectors.family_of_user(request.user)
        if family is None:
            raise NotFound()
        return family

    @extend_schema(responses={200: FamilySerializer, **ERRORS})
    def get(self, request):
        return Response(_family_data(self._mine(request), request, staff=False))

    @extend_schema(request=FileSerializer, responses={201: FamilySerializer, **ERRORS})
    def post(self, request):
        data = _valid(FileSerializer, request)
        member = getattr(request.user, "member", None)
        if member is None:
            raise services.HardshipError(_("您还不是会员，入会后可以登记困难职工档案。"), code="forbidden")
        family = services.family_file(actor=request.user, member_id=member.pk, **data)
        return Response(_family_data(family, request, staff=False), status=status.HTTP_201_CREATED)


    @extend_schema(request=FileSerializer, responses={200: FamilySerializer, **ERRORS})
    def put(self, request):
        """Corrects what was filed, before the notice starts."""
        family = services.family_update(actor=request.user, family_id=self._mine(request).pk,
                                        **_valid(FileSerializer, request))
        return Response(_family_data(family, request, staff=False))


class MyHouseholdView(APIView):
    @extend_schema(request=HouseholdMemberSerializer, responses={201: HouseholdMemberSerializer, **ERRORS})
    def post(self, request):
        family = MyFamilyView()._mine(request)
        data = _valid(HouseholdMemberSerializer, request)
        person = services.household_member_add(actor=request.user, family_id=family.pk, **data)
        return Response(HouseholdMemberSerializer(person).data, status=status.HTTP_201_CREATED)


class MyHouseholdMemberView(APIView):
    @extend_schema(responses={204: None, **ERRORS})
    def delete(self, request, person_id: int):
        family = MyFamilyView()._mine(request)
        services.household_member_remove(actor=request.user, family_id=family.pk, person_id=person_id)
        return Response(status=status.HTTP_204_NO_CONTENT)


class MyDocumentsView(APIView):
    parser_classes = [MultiPartParser, FormParser]

    @extend_schema(request={"multipart/form-data": DocumentUploadSerializer},
                   responses={201: DocumentSerializer, **ERRORS})
    def post(self, request):
        family = MyFamilyView()._mine(request)
        data = _valid(DocumentUploadSerializer, request)
        document = services.document_add(actor=request.user, family_id=family.pk, kind=data["kind"],
                                         upload=data["file"])
        return Response(DocumentSerializer(document, context={"request": request}).data,
                        status=status.HTTP_201_CREATED)


class MyLeaveView(APIView):
    @extend_schema(request=LeaveSerializer, responses={200: FamilySerializer, **ERRORS})
    def post(self, request):
        family = MyFamilyView()._mine(request)
        family = services.family_leave(actor=request.user, family_id=family.pk, **_valid(LeaveSerializer, request))
        return Response(_family_data(family, request, staff=False))


# --- staff ---------------------------------------------------------------------------------------------------


class StaffScopeMixin:
    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        if not getattr(self, "swagger_fake_view", False) and not selectors.hardship_branches(request.user).exists():
            raise PermissionDenied()


class FamilyViewSet(StaffScopeMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    lookup_value_regex = ID_PATTERN
    """Families of members in the staff member's hardship scope (branch admins and hardship officers of the
    subtree). Actions: file for a member, home visit, notice, objection, resolve, confirm, recheck, leave,
    household, care visits. A staff member never acts on their own family (403)."""

    queryset = HardshipFamily.objects.none()
    serializer_class = StaffFamilySerializer
    filterset_fields = ["status", "level", "cause"]
    ordering_fields = ["status_changed_at", "filed_at", "recheck_due"]
    search_fields = ["number", "member__name", "member__member_number"]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return HardshipFamily.objects.none()
        return (selectors.families_in_scope(self.request.user).select_related("member__branch")
                .order_by("-status_changed_at", "-id"))

    def get_serializer_class(self):
        return FamilyListSerializer if self.action == "list" else StaffFamilySerializer

    def retrieve(self, request, *args, **kwargs):
        return Response(_family_data(self.get_object(), request, staff=True))

    def _answer(self, family_id, *, code=status.HTTP_200_OK):
        family = self.get_queryset().get(pk=family_id)
        return Response(_family_data(family, self.request, staff=True), status=code)

    @extend_schema(request=StaffFileSerializer, responses={201: StaffFamilySerializer, **ERRORS})
    def create(self, request):
        data = _valid(StaffFileSerializer, request)
        member = selectors.members_in_scope(request.user).filter(member_number=data.pop("member_number")).first()
        if member is None:
            raise NotFound()
        family = services.family_file(actor=request.user, member_id=member.pk, **data)
        return self._answer(family.pk, code=status.HTTP_201_CREATED)

    @extend_schema(request={"multipart/form-data": HomeVisitInputSerializer},
                   responses={201: StaffFamilySerializer, **ERRORS})
    @action(detail=True, methods=["post"], url_path="home-visits",
            parser_classes=[MultiPartParser, FormParser, ObjectJSONParser])
    def home_visits(self, request, pk=None):
        family = self.get_object()
        serializer = HomeVisitInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        photos = request.FILES.getlist("photos") if hasattr(request, "FILES") else []
        services.home_visit_record(actor=request.user, family_id=family.pk, visited_on=data["visited_on"],
                                   notes=data["notes"], photos=photos)
        return self._answer(family.pk, code=status.HTTP_201_CREATED)

    @extend_schema(request=None, responses={200: StaffFamilySerializer, **ERRORS})
    @action(detail=True, methods=["post"])
    def notice(self, request, pk=None):
        family = self.get_object()
        services.notice_start(actor=request.user, family_id=family.pk)
        return self._answer(family.pk)

    @extend_schema(request=ObjectionInputSerializer, responses={201: StaffFamilySerializer, **ERRORS})
    @action(detail=True, methods=["post"])
    def objections(self, request, pk=None):
        family = self.get_object()
        services.objection_record(actor=request.user, family_id=family.pk, **_valid(ObjectionInputSerializer, request))
        return self._answer(family.pk, code=status.HTTP_201_CREATED)

    @extend_schema(request=ResolveSerializer, responses={200: StaffFamilySerializer, **ERRORS})
    @action(detail=True, methods=["post"], url_path="objections/resolve")
    def resolve(self, request, pk=None):
        family = self.get_object()
        data = _valid(ResolveSerializer, request)
        if not family.objections.filter(pk=data["objection"]).exists():
            raise NotFound()
        services.objection_resolve(actor=request.user, objection_id=data["objection"], resolution=data["resolution"])
        return self._answer(family.pk)

    @extend_schema(request=ConfirmSerializer, responses={200: StaffFamilySerializer, **ERRORS})
    @action(detail=True, methods=["post"])
    def confirm(self, request, pk=None):
        family = self.get_object()
        services.family_confirm(actor=request.user, family_id=family.pk, **_valid(ConfirmSerializer, request))
        return self._answer(family.pk)

    @extend_schema(request=RecheckSerializer, responses={200: StaffFamilySerializer, **ERRORS})
    @action(detail=True, methods=["post"])
    def recheck(self, request, pk=None):
        family = self.get_object()
        services.family_recheck(actor=request.user, family_id=family.pk, **_valid(RecheckSerializer, request))
        return self._answer(family.pk)

    @extend_schema(request=LeaveSerializer, responses={200: StaffFamilySerializer, **ERRORS})
    @action(detail=True, methods=["post"])
    def leave(self, request, pk=None):
        family = self.get_object()
        services.family_leave(actor=request.user, family_id=family.pk, **_valid(LeaveSerializer, request))
        return self._answer(family.pk)

    @extend_schema(request=FileSerializer, responses={200: StaffFamilySerializer, **ERRORS})
    @action(detail=True, methods=["post"], url_path="figures")
    def figures(self, request, pk=None):
        """Corrects cause, income, household size and note before the notice starts."""
        family = self.get_object()
        services.family_update(actor=request.user, family_id=family.pk, **_valid(FileSerializer, request))
        return self._answer(family.pk)

    @extend_schema(request=HouseholdMemberSerializer, responses={201: HouseholdMemberSerializer, **ERRORS})
    @action(detail=True, methods=["post"])
    def household(self, request, pk=None):
        family = self.get_object()
        person = services.household_member_add(actor=request.user, family_id=family.pk,
                                               **_valid(HouseholdMemberSerializer, request))
        return Response(HouseholdMemberSerializer(person).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=CarePlanSerializer, responses={201: CareVisitSerializer, **ERRORS})
    @action(detail=True, methods=["post"], url_path="care-visits")
    def care_visits(self, request, pk=None):
        family = self.get_object()
        visit = services.care_visit_plan(actor=request.user, family_id=family.pk, **_valid(CarePlanSerializer, request))
        return Response(CareVisitSerializer(visit).data, status=status.HTTP_201_CREATED)


class CareVisitViewSet(StaffScopeMixin, mixins.ListModelMixin, viewsets.GenericViewSet):
    """Care visits due (overdue or due within 14 days) and not done, in the staff member's scope; `done` records one."""

    queryset = CareVisit.objects.none()
    serializer_class = CareVisitSerializer
    lookup_value_regex = ID_PATTERN  # "null,null" or a 30-digit id is no route (404), never a query that fails

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return CareVisit.objects.none()
        return selectors.care_visits_due(self.request.user)

    @extend_schema(request=CareDoneSerializer, responses={200: CareVisitSerializer, **ERRORS})
    @action(detail=True, methods=["post"])
    def done(self, request, pk=None):
        visit = CareVisit.objects.filter(family__in=selectors.families_in_scope(request.user), pk=pk).first()
        if visit is None:
            raise NotFound()
        visit = services.care_visit_record(actor=request.user, visit_id=visit.pk, **_valid(CareDoneSerializer, request))
        return Response(CareVisitSerializer(visit).data)


@extend_schema_serializer(component_name="HardshipNoticeRow")
class NoticeRowSerializer(serializers.Serializer):
    family_id = serializers.IntegerField()
    number = serializers.CharField()
    name = serializers.CharField(help_text="Masked: first and last character (张*明).")
    branch = serializers.CharField()
    cause = serializers.CharField()
    household_size = serializers.IntegerField()
    per_capita_income = serializers.DecimalField(max_digits=12, decimal_places=2)
    starts_on = serializers.DateField()
    ends_on = serializers.DateField()
    objections = serializers.IntegerField()


class NoticeListView(StaffScopeMixin, APIView):
    """Families under public notice in scope, anonymised (no ID number, name masked)."""

    @extend_schema(responses={200: NoticeRowSerializer(many=True), 403: ErrorEnvelopeSerializer})
    def get(self, request):
        rows = selectors.notices_in_scope(request.user)
        return Response(NoticeRowSerializer(rows, many=True).data)


class StatisticsView(StaffScopeMixin, APIView):
    """Families on the register by branch, level and cause in scope (confirmed), and how many are being verified."""

    @extend_schema(responses={200: inline_serializer("HardshipStatistics", fields={
        "levels": serializers.ListField(child=serializers.ListField(child=serializers.CharField())),
        "causes": serializers.ListField(child=serializers.ListField(child=serializers.CharField())),
        "rows": serializers.ListField(child=serializers.DictField()),
        "totals": serializers.DictField(),
    }), 403: ErrorEnvelopeSerializer})
    def get(self, request):
        stats = selectors.statistics(request.user)
        return Response({
            "levels": [[value, str(label)] for value, label in stats.levels],
            "causes": [[value, str(label)] for value, label in stats.causes],
            "rows": stats.rows, "totals": stats.totals,
        })

