"""Reads of claims: the member's claims, the reviewers' queues, the timeline, who may open a document.

Queues and lists run a fixed number of queries whatever the number of rows (select_related, no loops)."""

from datetime import timedelta

from django.db.models import Exists, OuterRef, QuerySet
from django.utils import timezone

from members.models import StaffRole
from members.selectors import branches_in_scope

from .models import Claim, ClaimDocument, ClaimEvent, Enrolment, PayoutBatch, PayoutItem

REVIEWER_ROLES = [StaffRole.Role.CLAIMS_REVIEWER]
FINANCE_ROLES = [StaffRole.Role.FINANCE]
DOCUMENT_ROLES = [StaffRole.Role.CLAIMS_REVIEWER]  # documents: the owner and reviewers only
REVIEW_STATES = [Claim.State.BASE_REVIEW, Claim.State.FEDERATION_REVIEW]


def member_claims(user) -> QuerySet[Claim]:
    return (
        Claim.objects.filter(member__user_id=getattr(user, "pk", None))
        .select_related("enrolment__plan", "enrolment__tier")
        .order_by("-created_at", "-id")
    )


def member_claimable_enrolments(user) -> QuerySet[Enrolment]:
    return (
        Enrolment.objects.filter(member__user_id=getattr(user, "pk", None), status=Enrolment.Status.ACTIVE)
        .select_related("plan", "tier")
        .prefetch_related("tier__rules")
        .order_by("-plan__year", "-id")
    )


def claims_in_review_scope(user) -> QuerySet[Claim]:
    """Claims of the branches in the reviewer's subtrees (the one scope helper: `branches_in_scope`)."""
    return Claim.objects.filter(branch__in=branches_in_scope(user, roles=REVIEWER_ROLES))


def review_queue(user, *, level: str | None = None) -> QuerySet[Claim]:
    """Claims waiting for review in the user's subtree, oldest first; `level` "base" or "federation"."""
    levels = {"base": [Claim.State.BASE_REVIEW], "federation": [Claim.State.FEDERATION_REVIEW]}
    states = levels.get(level, REVIEW_STATES)
    return (
        claims_in_review_scope(user).filter(state__in=states)
        .select_related("member", "branch", "enrolment__plan")
        .order_by("state_changed_at", "id")
    )


def claim_is_overdue(claim: Claim, now=None) -> bool:
    """Waiting in a review step longer than the plan's service time (needs enrolment__plan loaded)."""
    if claim.state not in REVIEW_STATES:
        return False
    now = now or timezone.now()
    return claim.state_changed_at < now - timedelta(days=claim.enrolment.plan.review_service_days)


def claim_timeline(claim: Claim) -> list[ClaimEvent]:
    return list(ClaimEvent.objects.filter(claim=claim).select_related("actor").order_by("at", "id"))


def claim_documents(claim: Claim) -> list[ClaimDocument]:
    return list(claim.documents.filter(removed_at__isnull=True).order_by("uploaded_at", "id"))


def document_for(user, token) -> ClaimDocument | None:
    """The document, if `user` is its claim's member or a claims reviewer over the claim's branch;
    asked every time a document is opened."""
    if not getattr(user, "is_authenticated", False):
        return None
    document = ClaimDocument.objects.select_related("claim__member").filter(token=token).first()
    if document is None:
        return None
    if document.claim.member.user_id == user.pk and document.removed_at is None:
        return document
    if branches_in_scope(user, roles=DOCUMENT_ROLES).filter(pk=document.claim.branch_id).exists():
        return document
    return None


def claims_payable(user, *, branch) -> QuerySet[Claim]:
    """Approved claims of the branch's subtree that wait in no unpaid batch."""
    pending = PayoutItem.objects.filter(claim=OuterRef("pk"), status=PayoutItem.Status.PENDING)
    return (
        Claim.objects.filter(state=Claim.State.APPROVED, branch__path__startswith=branch.path,
                             branch__in=branches_in_scope(user, roles=FINANCE_ROLES))
        .exclude(Exists(pending)).select_related("member", "branch").order_by("decided_at", "id")
    )


def batches_in_scope(user) -> QuerySet[PayoutBatch]:
    return PayoutBatch.objects.filter(branch__in=branches_in_scope(user, roles=FINANCE_ROLES))


def batch_rows(batch: PayoutBatch) -> list[PayoutItem]:
    return list(batch.items.select_related("claim__member", "claim__branch").order_by("id"))
