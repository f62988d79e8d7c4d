"""Choices shared by the plan and claim models (kept apart so neither model module imports the other)."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class BenefitKind(models.TextChoices):
    SERIOUS_DISEASE = "serious_disease", _("重大疾病一次性补助")
    HOSPITAL_DAILY = "hospital_daily", _("住院津贴")
    INPATIENT_SELF_PAY = "inpatient_self_pay", _("住院自付费用补助")
    LARGE_SINGLE_DISEASE = "large_single_disease", _("单病种大额医疗补助")
    WORK_INJURY = "work_injury", _("工伤事故死亡或伤残补助")
    ON_DUTY = "on_duty", _("因公殉职或致残补助")
    NEWBORN_DISEASE = "newborn_disease", _("新生儿特种重病补助")
    ACCIDENTAL_INJURY = "accidental_injury", _("意外伤害补助")


class DocumentKind(models.TextChoices):
    INVOICE = "invoice", _("医疗费用发票")
    EXPENSE_LIST = "expense_list", _("费用明细清单")
    DISCHARGE_SUMMARY = "discharge_summary", _("出院小结")
    DIAGNOSIS = "diagnosis", _("诊断证明")
    ID_CARD = "id_card", _("身份证")
    BANK_CARD = "bank_card", _("银行卡")
    INJURY_APPRAISAL = "injury_appraisal", _("伤残等级鉴定")
    ACCIDENT_PROOF = "accident_proof", _("事故证明")
    BIRTH_CERTIFICATE = "birth_certificate", _("出生医学证明")
    OTHER = "other", _("其他材料")


class RejectReason(models.TextChoices):
    NOT_COVERED = "not_covered", _("事发时不在保障期内")
    WAITING_PERIOD = "waiting_period", _("处于等待期")
    DEADLINE = "deadline", _("超过申请时限")
    NOT_LISTED = "not_listed", _("疾病不在病种目录内")
    DUPLICATE = "duplicate", _("重复申请")
    CAP_REACHED = "cap_reached", _("已达年度补助上限")
    DOCUMENTS = "documents", _("材料不真实或不完整")
    OTHER = "other", _("其他原因")
