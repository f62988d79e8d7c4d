"""What the review machinery must be told about one kind of application (`ReviewKind`), and the kinds that are
paid through payout batches (`payout_kinds`)."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterable
from decimal import Decimal

from django.db.models import Q
from django.utils.functional import Promise

from members.models import Branch, StaffRole

_PAYOUT_KINDS: dict[str, ReviewKind] = {}


class ReviewKind(ABC):
    """One kind of reviewed application. Subclass it, fill in the attributes and override the methods whose
    default does not fit; register it with `payout_kind_register` if its approved applications are paid in
    payout batches (then `PayoutItem` has a foreign key named `payout_fk` to it, with related_name
    "payout_items")."""

    code: str  # "claim": audit actions "benefits.claim.<action>", notification kinds "benefits.claim.<state>"
    model: type  # a ReviewedApplication with `member` and `branch` foreign keys
    event_model: type  # its ReviewEvent
    event_fk: str  # the event's foreign key to the application
    payout_fk: str = ""  # PayoutItem's foreign key to the application ("" when not paid in batches)
    reviewer_role: str = StaffRole.Role.CLAIMS_REVIEWER
    finance_role: str = StaffRole.Role.FINANCE
    # select_related for the locked read a reviewer acts on (federation() and return_choices() may use them)
    review_related: tuple[str, ...] = ("member__user", "branch")
    # The member's notifications. Keys: withdrawn, passed, passed_body, approved, approved_body, returned, returned_body
    # (with %(items)s), rejected, adjusted, adjusted_body, paid, paid_body, payout_failed, payout_failed_body;
    # reviewers': review_waiting, overdue. Each a lazy text with %(number)s, %(amount)s ... as its use says.
    texts: dict[str, Promise]
    bank_memo: str = ""  # the transfer's memo in the bank file (Chinese: a document for the bank), before the batch
    reject_reasons: type  # TextChoices of the reasons a reviewer picks from ("other" asks for words)

    def payable(self) -> Q:
        """Which approved applications finance may put in a batch (all of them unless a kind holds some back)."""
        return Q()

    @abstractmethod
    def federation(self, application) -> Branch | None:
        """The federation that takes the second decision (None: the root of the application's branch)."""

    @abstractmethod
    def member_url(self, application) -> str:
        """Where the member reads the application."""

    @abstractmethod
    def review_url(self, application) -> str:
        """Where a reviewer decides it."""

    @abstractmethod
    def return_choices(self, application) -> list[tuple[str, Promise]]:
        """What a reviewer may tick as missing when returning: ("document:<kind>" | "fact:<field>", lazy label)."""

    def amount_check(self, application, amount: Decimal) -> dict:
        """Raises an ApplicationError if `amount` breaks a limit of the kind (checked at each approval and each
        adjustment, under the locks the kind needs); returns the fields an adjustment writes with the amount."""
        return {}

    def approver_conflict(self, user, application) -> Promise | str | None:
        """Why `user` may not take the federation decision to approve for a reason of the kind's own (a
        check the kind lets a reviewer lift, which four eyes then keep apart from approving); None if none."""
        return None

    @abstractmethod
    def service_times(self, waiting: Q) -> Iterable[tuple[int, Q]]:
        """(days, filter) pairs: applications matching `waiting` and the filter wait at most `days` in review
        before their reviewers are reminded."""

    def __repr__(self) -> str:
        return f"<ReviewKind {self.code}>"


def payout_kind_register(kind: ReviewKind) -> ReviewKind:
    """Makes `kind`'s approved applications payable in payout batches (called when its services module loads;
    `benefits.apps` loads every kind's module at start, so the list is complete before any request)."""
    if not kind.payout_fk:
        raise ValueError(f"{kind!r} names no PayoutItem foreign key")
    _PAYOUT_KINDS[kind.code] = kind
    return kind


def payout_kinds() -> list[ReviewKind]:
    return list(_PAYOUT_KINDS.values())
