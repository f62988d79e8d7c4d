"""Export of members to XLSX, scoped like every staff door, written row by row (openpyxl write-only) to a
temporary file so memory stays flat for any number of members."""

import tempfile

from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook

from core.spreadsheets import xlsx_append

from ..models import Member
from ..selectors import branches_in_scope

EXPORT_ROLES = ["branch_admin"]
IDENTIFIER_COLUMNS = (0, 2, 5)  # member number, ID number, mobile: text, never numbers
CHUNK_SIZE = 2000


def members_for_export(*, user, branch_id: int | None = None) -> QuerySet[Member]:
    """Members of the branches the user administers (and their subtrees); one branch's subtree when asked.
    A branch outside the user's scope gives an empty set, never someone else's members."""
    scope = branches_in_scope(user, roles=EXPORT_ROLES)
    members = Member.objects.filter(branch__in=scope)
    if branch_id is not None:
        chosen = scope.filter(pk=branch_id).values_list("path", flat=True).first()
        if chosen is None:
            return Member.objects.none()
        members = members.filter(branch__path__startswith=chosen)
    return members


def _headers() -> list[str]:
    return [
        _("会员号"), _("姓名"), _("身份证号"), _("性别"), _("出生日期"), _("手机号"), _("工作单位"), _("就业形态"),
        _("所属工会"), _("状态"), _("入会时间"),
    ]


def members_export_xlsx(*, members: QuerySet[Member]):
    """Writes the members to an XLSX temporary file and returns it open at the start (deleted on close)."""
    genders = dict(Member.Gender.choices)
    employment_types = dict(Member.EmploymentType.choices)
    statuses = dict(Member.Status.choices)
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(_("会员"))
    sheet.append(_headers())
    rows = members.order_by("branch__path", "id").values_list(
        # The full ID number is exported: only staff holding the branch-admin role over these members' branches
        # reach this function (members_for_export filters by branches_in_scope), and they need it to match
        # the list with payroll and insurance records. Everyone else sees only masked numbers.
        "member_number", "name", "id_number", "gender", "birth_date", "mobile", "employer", "employment_type",
        "branch__name", "status", "joined_at",
    )
    for number, name, id_number, gender, birth, mobile, employer, kind, branch, status, joined in rows.iterator(
        chunk_size=CHUNK_SIZE
    ):
        xlsx_append(sheet, [
            number or "", name, id_number, str(genders.get(gender, gender)), birth, mobile, employer,
            str(employment_types.get(kind, kind)), branch, str(statuses.get(status, status)),
            timezone.localtime(joined).strftime("%Y-%m-%d %H:%M") if joined else "",
        ], identifiers=IDENTIFIER_COLUMNS)
    output = tempfile.TemporaryFile(suffix=".xlsx")  # noqa: SIM115 — the caller streams and closes it
    workbook.save(output)
    output.seek(0)
    return output


def export_filename() -> str:
    return f"members-{timezone.localtime():%Y%m%d-%H%M}.xlsx"
