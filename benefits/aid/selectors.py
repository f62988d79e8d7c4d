"""Reads of education aid: campaigns a member may apply to, the member's applications, the reviewers' queue,
documents checked per user, and the figures of aid granted."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Count, Q, QuerySet, Sum
from django.utils import timezone

from members.models import Branch, StaffRole
from members.selectors import branches_in_scope

from ..models import (
    AidBasis,
    AidCampaign,
    AidDocument,
    AidDocumentKind,
    AidEvent,
    EducationAidApplication,
    HardshipFamily,
    ReviewState,
    SchoolStage,
)

REVIEWER_ROLES = [StaffRole.Role.CLAIMS_REVIEWER]
FINANCE_ROLES = [StaffRole.Role.FINANCE]
# Who reads the figures of aid granted: its reviewers and finance, and the branch admins (the union's officers).
FIGURE_ROLES = [*REVIEWER_ROLES, *FINANCE_ROLES, StaffRole.Role.BRANCH_ADMIN]
S = ReviewState


def campaigns_open_for(member, today=None) -> QuerySet[AidCampaign]:
    """The campaigns open today whose federation is the member's branch or one above it."""
    today = today or timezone.localdate()
    if member is None:
        return AidCampaign.objects.none()
    path = member.branch.path
    ancestors = [path[:end] for end in range(Branch.steplen, len(path) + 1, Branch.steplen)]
    return (AidCampaign.objects.filter(federation__path__in=ancestors, opens_on__lte=today, closes_on__gte=today)
            .select_related("federation").order_by("-year", "id"))


def confirmed_family(member) -> HardshipFamily | None:
    """The member's family as confirmed on the hardship register (the ground of an application on hardship)."""
    return HardshipFamily.objects.filter(member=member, status=HardshipFamily.Status.CONFIRMED).first()


def member_applications(user) -> QuerySet[EducationAidApplication]:
    if not getattr(user, "is_authenticated", False):
        return EducationAidApplication.objects.none()
    return (EducationAidApplication.objects.filter(member__user=user)
            .select_related("campaign", "member", "branch").order_by("-created_at", "-id"))


def applications_in_review_scope(user) -> QuerySet[EducationAidApplication]:
    return EducationAidApplication.objects.filter(branch__in=branches_in_scope(user, roles=REVIEWER_ROLES))


def application_timeline(application: EducationAidApplication) -> list[AidEvent]:
    return list(application.events.select_related("actor").order_by("at", "id"))


def application_documents(application: EducationAidApplication) -> list[AidDocument]:
    return list(application.documents.filter(removed_at__isnull=True).order_by("uploaded_at", "id"))


def required_documents(application: EducationAidApplication) -> list[str]:
    """The admission letter or student card and an ID always; a proof of hardship unless the family is on the
    register (the confirmed record is the proof then)."""
    required = [AidDocumentKind.ADMISSION, AidDocumentKind.ID_CARD]
    if application.basis != AidBasis.HARDSHIP:
        required.append(AidDocumentKind.HARDSHIP_PROOF)
    return required


@dataclass(frozen=True)
class DocumentCheck:
    kind: str
    label: str
    present: bool


def document_checklist(application: EducationAidApplication) -> list[DocumentCheck]:
    present = set(application.documents.filter(removed_at__isnull=True).values_list("kind", flat=True))
    return [DocumentCheck(kind=k, label=str(AidDocumentKind(k).label), present=k in present)
            for k in required_documents(application)]


def document_for(user, token) -> AidDocument | None:
    """The document, if `user` is its member or reviews or pays the application's branch."""
    if user is None or not getattr(user, "is_authenticated", False):
        return None
    scope = branches_in_scope(user, roles=[*REVIEWER_ROLES, *FINANCE_ROLES])
    return (AidDocument.objects.select_related("application")
            .filter(Q(application__member__user=user) | Q(application__branch__in=scope), token=token)
            .first())


def child_applications_this_year(*, year: int, child_id_number: str, exclude_id: int | None = None):
    """The live applications for one child in one year (any member, any branch): what the constraint allows once."""
    rows = EducationAidApplication.objects.filter(year=year, child_id_number=child_id_number).exclude(
        state__in=[S.WITHDRAWN, S.REJECTED])
    return rows.exclude(pk=exclude_id) if exclude_id else rows


@dataclass(frozen=True)
class AidFigure:
    year: int
    stage: str
    stage_label: str
    branch_id: int
    branch_name: str
    granted: int
    amount: object  # Decimal


def aid_granted_figures(user, *, year: int | None = None) -> list[AidFigure]:
    """Aid approved or paid per year, school stage and base union, over the user's scope (FIGURE_ROLES): one
    grouped query, whatever the number of applications."""
    scope = branches_in_scope(user, roles=FIGURE_ROLES)
    rows = EducationAidApplication.objects.filter(branch__in=scope, state__in=[S.APPROVED, S.PAID])
    if year is not None:
        rows = rows.filter(year=year)
    grouped = (rows.values("year", "stage", "branch_id", "branch__name")
               .annotate(granted=Count("id"), amount=Sum("approved_amount"))
               .order_by("-year", "branch__name", "stage"))
    labels = dict(SchoolStage.choices)
    return [AidFigure(year=row["year"], stage=row["stage"], stage_label=str(labels.get(row["stage"], row["stage"])),
                      branch_id=row["branch_id"], branch_name=row["branch__name"], granted=row["granted"],
                      amount=row["amount"]) for row in grouped]
