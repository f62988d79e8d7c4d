"""Education-aid services: the member files an application for a child, adds documents and submits it; reviewers
decide it at the base union and the federation; finance pays it in a payout batch. The review, the payout, the
letter and the documents are `benefits.review`'s, told what education aid is by `AidReview`.

Bad input never saves half an application: each service validates everything first, in one transaction.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core import money
from core.services import audit_log
from core.text import visible_strip
from members.id_numbers import parse_id_number
from members.models import Branch, Member, StaffRole
from members.notifications.services import recipient_text

from ..models import (
    AidBasis,
    AidCampaign,
    AidDocument,
    AidDocumentKind,
    AidEvent,
    AidRejectReason,
    EducationAidApplication,
    ReviewState,
    SchoolStage,
)
from ..review import access, decisions, documents
from ..review.kinds import ReviewKind, payout_kind_register
from ..review.transitions import TRANSITIONS, ReviewError, reference_number, state_label, transition
from ..review.transitions import now as _now
from . import selectors

S = ReviewState
FACT_FIELDS = ("basis", "basis_note", "child_name", "child_id_number", "school", "stage", "entry_year",
               "other_aid_declared", "other_aid_source", "other_aid_amount")
BANK_FIELDS = ("bank_name", "bank_account", "account_holder")
MAX_DOCUMENTS = 20


class AidReview(ReviewKind):
    """Education aid, reviewed by the member's base union and the campaign's federation, paid in payout batches."""

    code = "aid"
    model = EducationAidApplication
    event_model = AidEvent
    event_fk = "application"
    payout_fk = "aid_application"
    reviewer_role = StaffRole.Role.CLAIMS_REVIEWER
    review_related = ("member__user", "branch", "campaign__federation")
    reject_reasons = AidRejectReason
    bank_memo = "金秋助学金"
    texts = {
        "withdrawn": gettext_lazy("您的助学申请 %(number)s 已撤回"),
        "passed": gettext_lazy("您的助学申请 %(number)s 已通过基层工会审核"),
        "passed_body": gettext_lazy("现由上级工会复核。"),
        "review_waiting": gettext_lazy("有一份助学申请待复核：%(number)s"),
        "approved": gettext_lazy("您的助学申请 %(number)s 已核准"),
        "approved_body": gettext_lazy("核定助学金 %(amount)s 元，将转入您填写的银行账户。"),
        "returned": gettext_lazy("您的助学申请 %(number)s 需要补充材料"),
        "returned_body": gettext_lazy("请补充：%(items)s。"),
        "rejected": gettext_lazy("您的助学申请 %(number)s 未予资助"),
        "adjusted": gettext_lazy("您的助学申请 %(number)s 核定金额已调整"),
        "adjusted_body": gettext_lazy("调整为 %(amount)s 元。理由：%(reason)s"),
        "overdue": gettext_lazy("%(count)s 份助学申请等待审核已超过 %(days)s 天"),
        "paid": gettext_lazy("助学金已发放：%(amount)s 元"),
        "paid_body": gettext_lazy("您的助学申请 %(number)s 的助学金已转入尾号 %(tail)s 的银行账户。"),
        "payout_failed": gettext_lazy("助学金发放未成功：%(number)s"),
        "payout_failed_body": gettext_lazy("原因：%(note)s。请核对银行账户信息，工会将重新发放。"),
    }

    def federation(self, application: EducationAidApplication) -> Branch | None:
        return application.campaign.federation

    def member_url(self, application: EducationAidApplication) -> str:
        return f"/benefits/aid/{application.pk}/"

    def review_url(self, application: EducationAidApplication) -> str:
        return f"/admin/benefits/educationaidapplication/{application.pk}/change/"

    def return_choices(self, application: EducationAidApplication) -> list[tuple[str, Promise]]:
        """Every kind of document, then the facts and the bank account."""
        document_items = [(f"document:{value}", label) for value, label in AidDocumentKind.choices]
        facts = [(f"fact:{name}", EducationAidApplication._meta.get_field(name).verbose_name)
                 for name in (*FACT_FIELDS, *BANK_FIELDS) if name != "other_aid_declared"]
        return document_items + facts

    def amount_check(self, application: EducationAidApplication, amount: Decimal) -> dict:
        """No more than the campaign's standard for the child's stage; and aid declared from elsewhere blocks the
        grant until a reviewer has checked it and written why this one is granted too."""
        standard = application.campaign.amount_for(application.stage)
        if standard is not None and amount > standard:
            raise ReviewError(
                _("核定金额 %(amount)s 元超过该就读阶段的资助标准 %(standard)s 元。")
                % {"amount": money.figures(amount), "standard": money.figures(standard)},
                fields={"amount": _("不能超过资助标准。")},
            )
        if application.other_aid_declared and not application.other_aid_override_reason:
            raise ReviewError(
                _("申请人申报本年度已获其他助学资助，须先核实并写明准予再资助的理由，才能核准。"),
                code="other_aid",
            )
        return {}

    def approver_conflict(self, user, application: EducationAidApplication):
        """Lifting the block of aid declared from elsewhere lets a second grant through, as an adjustment changes
        the amount: the reviewer who lifted it is not the one who approves."""
        if application.other_aid_override_reason and application.other_aid_override_by_id == user.pk:
            return _("准予再资助是您核实决定的，须由另一位上级工会审核员核准。")
        return None

    def service_times(self, waiting: Q):
        campaign_days = dict(AidCampaign.objects.filter(applications__in=EducationAidApplication.objects.filter(
            waiting)).distinct().values_list("pk", "review_service_days"))
        return [(days, Q(campaign_id=pk)) for pk, days in campaign_days.items()]


AID_REVIEW = payout_kind_register(AidReview())


# --- the member's application -----------------------------------------------------------------------------


def _actor_member(actor) -> Member:
    member = (Member.objects.select_related("branch").filter(user_id=getattr(actor, "pk", None))
              .order_by().first())
    if member is None or member.status != Member.Status.ACTIVE:
        raise ReviewError(_("只有正常状态的工会会员可以申请助学。"), code="forbidden")
    return member


def _clean(values: dict, *, member: Member, campaign: AidCampaign, today: date) -> dict:
    """The application's facts from what the member typed, or a ReviewError naming every field at fault."""
    errors: dict = {}
    cleaned: dict = {}
    for name in ("child_name", "school", "basis_note", "other_aid_source", *BANK_FIELDS):
        cleaned[name] = visible_strip(str(values.get(name) or ""))
    for name, limit in (("child_name", 50), ("school", 100), ("other_aid_source", 100), ("bank_name", 100),
                        ("bank_account", 40), ("account_holder", 100)):
        if len(cleaned[name]) > limit:
            errors[name] = _("内容过长，请精简。")
    if not cleaned["child_name"]:
        errors["child_name"] = _("请填写子女姓名。")
    if not cleaned["school"]:
        errors["school"] = _("请填写学校名称。")
    cleaned["basis"] = str(values.get("basis") or "")
    cleaned["hardship_family"] = None
    if cleaned["basis"] not in AidBasis.values:
        errors["basis"] = _("请选择申请依据。")
    elif cleaned["basis"] == AidBasis.HARDSHIP:
        cleaned["hardship_family"] = selectors.confirmed_family(member)
        if cleaned["hardship_family"] is None:
            errors["basis"] = _("您的家庭尚未在困难职工档案中确认；如本年度因病或因灾致困，请选择相应依据并上传证明。")
    elif cleaned["basis"] != AidBasis.HARDSHIP and not cleaned["basis_note"]:
        errors["basis_note"] = _("请说明本年度因病或因灾致困的情况。")
    cleaned["stage"] = str(values.get("stage") or "")
    if cleaned["stage"] not in SchoolStage.values:
        errors["stage"] = _("请选择就读阶段。")
    try:
        cleaned["child_id_number"], birth, _gender = parse_id_number(str(values.get("child_id_number") or ""),
                                                                     today=today)
    except ValidationError as exc:
        errors["child_id_number"] = exc.messages[0]
    else:
        if cleaned["child_id_number"] == member.id_number:
            errors["child_id_number"] = _("请填写子女本人的身份证号，而不是您的。")
        elif birth <= member.birth_date:
            errors["child_id_number"] = _("子女的出生日期应晚于您的出生日期，请核对身份证号。")
    raw_year = str(values.get("entry_year") or "").strip()
    entry_year = int(raw_year) if raw_year.isascii() and raw_year.isdigit() and len(raw_year) == 4 else None
    if entry_year is None or not campaign.year - 10 <= entry_year <= campaign.year:
        errors["entry_year"] = _("请填写 %(first)s 至 %(last)s 年之间的入学年份。") % {
            "first": campaign.year - 10, "last": campaign.year}
    cleaned["entry_year"] = entry_year
    declared = values.get("other_aid_declared")
    cleaned["other_aid_declared"] = declared in (True, "on", "true", "1", 1, "yes")
    amount_errors: dict = {}
    cleaned["other_aid_amount"] = money.amount_parse(values.get("other_aid_amount"), "other_aid_amount",
                                                     amount_errors)
    errors.update(amount_errors)
    if cleaned["other_aid_declared"] and not cleaned["other_aid_source"]:
        errors["other_aid_source"] = _("请填写其他资助的来源。")
    if not cleaned["other_aid_declared"]:
        cleaned["other_aid_source"], cleaned["other_aid_amount"] = "", None
    if errors:
        raise ReviewError(_("提交的内容有误，请检查标出的项目。"), fields=errors)
    return cleaned


def _ensure_child_free(*, year: int, child_id_number: str, exclude_id: int | None = None) -> None:
    if selectors.child_applications_this_year(year=year, child_id_number=child_id_number,
                                              exclude_id=exclude_id).exists():
        raise ReviewError(_("该子女本年度已有一份助学申请，同一子女每年只能申请一次资助。"),
                          fields={"child_id_number": _("本年度已申请。")}, code="duplicate")


def _open_campaign(member: Member, campaign_id: int, today: date) -> AidCampaign:
    campaign = selectors.campaigns_open_for(member, today).filter(pk=campaign_id).first()
    if campaign is None:
        raise ReviewError(_("该助学活动不在申请期内，或不面向您所在的工会。"),
                          fields={"campaign": _("请选择正在申请期内的活动。")})
    return campaign


def aid_application_create(*, actor, campaign_id: int, values: dict) -> EducationAidApplication:
    """A draft application for a child, in an open campaign of the member's federation."""
    today = timezone.localdate()
    with transaction.atomic():
        member = _actor_member(actor)
        campaign = _open_campaign(member, campaign_id, today)
        cleaned = _clean(values, member=member, campaign=campaign, today=today)
        _ensure_child_free(year=campaign.year, child_id_number=cleaned["child_id_number"])
        application = EducationAidApplication(
            number=reference_number("A"), campaign=campaign, year=campaign.year, member=member,
            branch=member.branch, **cleaned,
        )
        try:
            # Race: the other parent (also a member) files for the same child at the same moment. The partial
            # unique constraint lets one in; the other is told, with nothing saved.
            with transaction.atomic():
                application.save()
        except IntegrityError as exc:
            raise ReviewError(_("该子女本年度已有一份助学申请，同一子女每年只能申请一次资助。"),
                              fields={"child_id_number": _("本年度已申请。")}, code="duplicate") from exc
        AidEvent.objects.create(application=application, action="create", actor=actor, to_state=S.DRAFT)
        audit_log(actor=actor, action="benefits.aid.create", target=application,
                  data={"campaign": campaign.pk, "stage": application.stage})
    return application


def _member_application_for_update(actor, application_id: int) -> EducationAidApplication:
    application = (EducationAidApplication.objects.select_for_update(of=("self",))
                   .select_related("campaign__federation", "member__user", "branch")
                   .filter(pk=application_id, member__user_id=getattr(actor, "pk", None)).first())
    if application is None:
        raise ReviewError(_("找不到该申请。"), code="not_found")
    return application


def _ensure_editable(application: EducationAidApplication) -> None:
    if application.state not in TRANSITIONS["update"][0]:
        raise ReviewError(_("该申请当前为“%(state)s”，不能修改。") % {"state": state_label(application.state)},
                          code="wrong_state")


def aid_application_update(*, actor, application_id: int, values: dict) -> EducationAidApplication:
    """The member corrects a draft or a returned application; the history keeps which fields changed."""
    today = timezone.localdate()
    with transaction.atomic():
        application = _member_application_for_update(actor, application_id)
        _ensure_editable(application)
        cleaned = _clean(values, member=application.member, campaign=application.campaign, today=today)
        if cleaned["child_id_number"] != application.child_id_number:
            _ensure_child_free(year=application.year, child_id_number=cleaned["child_id_number"],
                               exclude_id=application.pk)
        changed = {name: value for name, value in cleaned.items() if getattr(application, name) != value}
        if not changed:
            return application
        shown = {name: ["…" + str(getattr(application, name))[-4:], "…" + str(value)[-4:]]
                 if name in ("bank_account", "child_id_number") else [str(getattr(application, name)), str(value)]
                 for name, value in changed.items()}
        changed["proposed_amount"] = application.campaign.amount_for(cleaned["stage"])
        try:
            with transaction.atomic():
                application = transition(AID_REVIEW, application, action="update", actor=actor,
                                         event_changes=shown, **changed)
        except IntegrityError as exc:
            raise ReviewError(_("该子女本年度已有一份助学申请，同一子女每年只能申请一次资助。"),
                              fields={"child_id_number": _("本年度已申请。")}, code="duplicate") from exc
    return application


def aid_document_add(*, actor, application_id: int, kind: str, upload) -> AidDocument:
    with transaction.atomic():
        application = _member_application_for_update(actor, application_id)
        documents.documents_check_room(application, kind, kinds=AidDocumentKind, most=MAX_DOCUMENTS)
        return documents.document_store(actor=actor, document_model=AidDocument, owner_field="application",
                                        owner=application, kind=kind, upload=upload,
                                        audit_action="benefits.aid.document_added")


def aid_documents_add(*, actor, application_id: int, kind: str, uploads) -> documents.DocumentsAdded:
    return documents.documents_batch(uploads, lambda upload: aid_document_add(
        actor=actor, application_id=application_id, kind=kind, upload=upload))


def aid_document_remove(*, actor, application_id: int, token) -> AidDocument:
    with transaction.atomic():
        application = _member_application_for_update(actor, application_id)
        return documents.document_mark_removed(actor=actor, application=application, token=token,
                                               audit_action="benefits.aid.document_removed")


def aid_application_missing(application: EducationAidApplication) -> list[str]:
    """What the application still lacks to be submitted: the bank account, then the required documents."""
    missing = [str(EducationAidApplication._meta.get_field(name).verbose_name)
               for name in BANK_FIELDS if not getattr(application, name)]
    missing += [check.label for check in selectors.document_checklist(application) if not check.present]
    return missing


def aid_application_submit(*, actor, application_id: int) -> EducationAidApplication:
    """The member submits; the amount is the campaign's standard for the stage, so the application goes straight
    to the base union's reviewers. A first submission must fall in the campaign's window; a returned one may be
    resubmitted after it (the member is answering the reviewer)."""
    with transaction.atomic():
        application = _member_application_for_update(actor, application_id)
        if application.state not in TRANSITIONS["submit"][0]:
            raise ReviewError(
                _("该申请已经提交过（当前为“%(state)s”），不能重复提交。") % {"state": state_label(application.state)},
                code="wrong_state",
            )
        if application.state == S.DRAFT and not application.campaign.is_open():
            raise ReviewError(_("该助学活动已截止申请。"), code="wrong_state")
        # The family may have left the register since the draft was saved.
        if application.basis == AidBasis.HARDSHIP and selectors.confirmed_family(application.member) is None:
            raise ReviewError(_("您的家庭尚未在困难职工档案中确认，不能以此为依据申请。"),
                              fields={"basis": _("请更换申请依据。")})
        missing = aid_application_missing(application)
        if missing:
            raise ReviewError(_("还不能提交，缺少：%(items)s。") % {"items": _("、").join(missing)},
                              fields={"missing": missing})
        resubmitted = application.state == S.RETURNED
        standard = application.campaign.amount_for(application.stage)
        application = transition(AID_REVIEW, application, action="submit", actor=actor, submitted_at=_now(),
                                 approved_amount=None, return_items=[], other_aid_override_reason="",
                                 other_aid_override_by=None)
        application = transition(AID_REVIEW, application, action="assess", actor=None, proposed_amount=standard,
                                 amount_to=standard)
        title = (gettext_lazy("您的助学申请 %(number)s 已重新提交") if resubmitted
                 else gettext_lazy("您的助学申请 %(number)s 已提交"))
        decisions.notify_member(AID_REVIEW, application, recipient_text(title, number=application.number),
                                recipient_text(gettext_lazy("按资助标准 %(amount)s 元，以工会审核结果为准。"),
                                               amount=money.figures(standard)))
        decisions.notify_reviewers(AID_REVIEW, application, application.branch,
                                   recipient_text(gettext_lazy("有一份助学申请待审核：%(number)s"),
                                                  number=application.number))
    return application


def aid_application_withdraw(*, actor, application_id: int, message: str = "") -> EducationAidApplication:
    with transaction.atomic():
        application = _member_application_for_update(actor, application_id)
        return decisions.application_withdraw(AID_REVIEW, application, actor=actor, message=message)


# --- reviewers --------------------------------------------------------------------------------------------


def aid_other_aid_override(*, actor, application_id: int, version: int, reason: str) -> EducationAidApplication:
    """A reviewer checked the aid the member declared from elsewhere and grants this one too, saying why (shown
    to the approver and kept in the history)."""
    reason = (reason or "").strip()
    if not reason:
        raise ReviewError(_("请写明准予再资助的理由。"), fields={"message": _("请填写理由。")})
    with transaction.atomic():
        application = access.for_review(AID_REVIEW, actor, application_id)
        access.ensure_allowed(AID_REVIEW, actor, application, "override")
        if not application.other_aid_declared:
            raise ReviewError(_("该申请未申报其他资助，无需此操作。"), code="wrong_state")
        return transition(AID_REVIEW, application, action="override", actor=actor, version=version,
                          message=reason[:1000], other_aid_override_reason=reason[:1000],
                          other_aid_override_by=actor)


def aid_pass(*, actor, application_id: int, version: int, message: str = "") -> EducationAidApplication:
    return decisions.review_pass(AID_REVIEW, actor=actor, application_id=application_id, version=version,
                                 message=message)


def aid_approve(*, actor, application_id: int, version: int, message: str = "", amount=None):
    return decisions.review_approve(AID_REVIEW, actor=actor, application_id=application_id, version=version,
                                    message=message, amount=amount)


def aid_return(*, actor, application_id: int, version: int, message: str = "", items: list[str] | None = None):
    return decisions.review_return(AID_REVIEW, actor=actor, application_id=application_id, version=version,
                                   message=message, items=items)


def aid_reject(*, actor, application_id: int, version: int, reason: str, message: str = ""):
    return decisions.review_reject(AID_REVIEW, actor=actor, application_id=application_id, version=version,
                                   reason=reason, message=message)


def aid_adjust(*, actor, application_id: int, version: int, amount, reason: str):
    return decisions.review_adjust(AID_REVIEW, actor=actor, application_id=application_id, version=version,
                                   amount=amount, reason=reason)


REVIEW_ACTIONS = {
    "pass": aid_pass,
    "approve": aid_approve,
    "return": aid_return,
    "reject": aid_reject,
    "adjust": aid_adjust,
    "override": aid_other_aid_override,
}


def aid_actions_allowed(user, application: EducationAidApplication) -> list[str]:
    """The review actions `user` may take now. Aid declared from elsewhere and not yet checked: "override"
    (check it and say why) is offered instead of "approve", which `AidReview.amount_check` would refuse."""
    allowed = access.actions_allowed(AID_REVIEW, user, application)
    if application.other_aid_declared and not application.other_aid_override_reason:
        allowed = [action for action in allowed if action != "approve"]
        if (application.state in TRANSITIONS["override"][0]
                and access.action_refusal(AID_REVIEW, user, application, "override") is None):
            allowed.append("override")
    return allowed


def aid_overdue_remind(*, now=None) -> int:
    return decisions.overdue_remind(AID_REVIEW, now_at=now)
