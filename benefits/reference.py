"""The seed's reference plan (Xiamen's worker medical mutual aid, as of 2019), built by a service.

The same plan ships as benefits/fixtures/reference_plan.json (natural keys, no federation: `loaddata
reference_plan`); tests/benefits/test_reference.py checks that the two agree. Figures not in the seed are
assumptions written down in docs/benefits-reference-plan.md.
"""

from datetime import date

from django.db import transaction

from core.services import audit_log

from .models import BenefitKind, BenefitRule, Disease, DiseaseList, Plan, Tier

PLAN_CODE = "xiamen-reference-2026"

# The 25 critical illnesses of China's standard list plus six more: the seed's 31 serious diseases.
SERIOUS_DISEASES = [
    ("malignant-tumour", "恶性肿瘤"), ("acute-myocardial-infarction", "急性心肌梗塞"),
    ("stroke-sequelae", "脑中风后遗症"), ("organ-transplant", "重大器官移植术或造血干细胞移植术"),
    ("coronary-bypass", "冠状动脉搭桥术"), ("end-stage-renal-disease", "终末期肾病"),
    ("limb-loss", "多个肢体缺失"), ("fulminant-hepatitis", "急性或亚急性重症肝炎"),
    ("benign-brain-tumour", "良性脑肿瘤"), ("decompensated-liver-failure", "慢性肝功能衰竭失代偿期"),
    ("encephalitis-sequelae", "脑炎后遗症或脑膜炎后遗症"), ("deep-coma", "深度昏迷"),
    ("deafness", "双耳失聪"), ("blindness", "双目失明"), ("paralysis", "瘫痪"),
    ("heart-valve-surgery", "心脏瓣膜手术"), ("severe-alzheimers", "严重阿尔茨海默病"),
    ("severe-brain-injury", "严重脑损伤"), ("severe-parkinsons", "严重帕金森病"),
    ("severe-burns", "严重Ⅲ度烧伤"), ("pulmonary-hypertension", "严重原发性肺动脉高压"),
    ("motor-neurone-disease", "严重运动神经元病"), ("loss-of-speech", "语言能力丧失"),
    ("aplastic-anaemia", "重型再生障碍性贫血"), ("aortic-surgery", "主动脉手术"),
    ("uraemia-dialysis", "尿毒症（规律透析）"), ("leukaemia", "白血病"),
    ("systemic-lupus-nephritis", "系统性红斑狼疮性肾炎"), ("severe-rheumatoid-arthritis", "严重类风湿性关节炎"),
    ("multiple-sclerosis", "多发性硬化症"), ("severe-myasthenia-gravis", "重症肌无力"),
]

NEWBORN_DISEASES = [
    ("congenital-heart-disease", "先天性心脏病"), ("down-syndrome", "唐氏综合征"),
    ("congenital-hydrocephalus", "先天性脑积水"), ("biliary-atresia", "先天性胆道闭锁"),
    ("phenylketonuria", "苯丙酮尿症"), ("congenital-hypothyroidism", "先天性甲状腺功能减低症"),
]

WORK_INJURY_GRADES = {"death": "30000.00", **{str(g): "20000.00" for g in range(1, 5)},
                      **{str(g): "10000.00" for g in (5, 6)}, **{str(g): "5000.00" for g in range(7, 11)}}
ON_DUTY_GRADES = {"death": "50000.00", **{str(g): "30000.00" for g in range(1, 5)},
                  **{str(g): "15000.00" for g in (5, 6)}, **{str(g): "8000.00" for g in range(7, 11)}}

TIERS = {
    "basic": {
        "name": "基础档", "fee": "36.00", "yearly_cap": "150000.00",
        "rules": {
            BenefitKind.SERIOUS_DISEASE: ({"amount": "10000.00"}, "serious"),
            BenefitKind.HOSPITAL_DAILY: ({"daily_amount": "50.00", "max_days_per_year": 30}, None),
            BenefitKind.INPATIENT_SELF_PAY: ({"rate": "0.20", "yearly_cap": "100000.00"}, None),
            BenefitKind.WORK_INJURY: ({"grades": WORK_INJURY_GRADES}, None),
            BenefitKind.NEWBORN_DISEASE: ({"amount": "5000.00"}, "newborn"),
            BenefitKind.ACCIDENTAL_INJURY: ({"amount": "2000.00", "yearly_cap": "4000.00"}, None),
        },
    },
    "enhanced": {
        "name": "提高档", "fee": "60.00", "yearly_cap": "300000.00",
        "rules": {
            BenefitKind.SERIOUS_DISEASE: ({"amount": "20000.00"}, "serious"),
            BenefitKind.HOSPITAL_DAILY: ({"daily_amount": "50.00", "max_days_per_year": 30}, None),
            BenefitKind.INPATIENT_SELF_PAY: ({"rate": "0.20", "yearly_cap": "200000.00"}, None),
            BenefitKind.LARGE_SINGLE_DISEASE: ({
                "brackets": [
                    {"from": "0.00", "to": "50000.00", "rate": "0"},
                    {"from": "50000.00", "to": "100000.00", "rate": "0.10"},
                    {"from": "100000.00", "to": "200000.00", "rate": "0.15"},
                    {"from": "200000.00", "to": None, "rate": "0.20"},
                ],
                "yearly_cap": "50000.00",
            }, "serious"),
            BenefitKind.WORK_INJURY: ({"grades": WORK_INJURY_GRADES}, None),
            BenefitKind.ON_DUTY: ({"grades": ON_DUTY_GRADES}, None),
            BenefitKind.NEWBORN_DISEASE: ({"amount": "10000.00"}, "newborn"),
            BenefitKind.ACCIDENTAL_INJURY: ({"amount": "3000.00", "yearly_cap": "6000.00"}, None),
        },
    },
}

PLAN_FIELDS = {
    "year": 2026,
    "name": "2026年度职工医疗互助保障（参考方案）",
    "enrol_opens": date(2026, 1, 1),
    "enrol_closes": date(2026, 12, 20),
    # Members of the year before renew from mid-November: next year's copy opens its renewals before the year ends.
    "renewal_opens": date(2025, 11, 15),
    "cover_start_rule": Plan.CoverStart.DAY_AFTER_PAYMENT,
    "cover_starts": date(2026, 1, 1),
    "cover_ends": date(2026, 12, 31),
    "min_age": 16,
    "max_age": 70,
    "waiting_days": 90,
    "renewal_grace_days": 60,
    "claim_deadline_days": 180,
}


# What a member uploads for each kind of benefit (docs/benefits-reference-plan.md): an ID card and a bank card
# always, then the papers that prove the facts the rule pays on.
REQUIRED_DOCUMENTS = {
    "serious_disease": ["id_card", "diagnosis", "bank_card"],
    "hospital_daily": ["id_card", "discharge_summary", "bank_card"],
    "inpatient_self_pay": ["id_card", "invoice", "expense_list", "discharge_summary", "bank_card"],
    "large_single_disease": ["id_card", "diagnosis", "invoice", "expense_list", "bank_card"],
    "work_injury": ["id_card", "injury_appraisal", "accident_proof", "bank_card"],
    "on_duty": ["id_card", "injury_appraisal", "accident_proof", "bank_card"],
    "newborn_disease": ["id_card", "birth_certificate", "diagnosis", "bank_card"],
    "accidental_injury": ["id_card", "accident_proof", "invoice", "bank_card"],
}


def _disease_list(code: str, name: str, kind: str, diseases) -> DiseaseList:
    disease_list, _ = DiseaseList.objects.get_or_create(code=code, defaults={"name": name, "kind": kind})
    existing = set(disease_list.diseases.values_list("code", flat=True))
    Disease.objects.bulk_create(
        Disease(disease_list=disease_list, code=c, name=n) for c, n in diseases if c not in existing
    )
    return disease_list


def reference_plan_build(*, actor=None, federation=None) -> Plan:
    """Creates the reference plan with its disease lists, tiers and rules; returns the existing one if present."""
    with transaction.atomic():
        existing = Plan.objects.filter(code=PLAN_CODE).first()
        if existing:
            return existing
        lists = {
            "serious": _disease_list("serious-31", "31种重大疾病", DiseaseList.Kind.SERIOUS, SERIOUS_DISEASES),
            "newborn": _disease_list("newborn", "新生儿特种重病", DiseaseList.Kind.NEWBORN, NEWBORN_DISEASES),
        }
        plan = Plan.objects.create(code=PLAN_CODE, federation=federation, **PLAN_FIELDS)
        for code, spec in TIERS.items():
            tier = Tier.objects.create(
                plan=plan, code=code, name=spec["name"], fee=spec["fee"], yearly_cap=spec["yearly_cap"]
            )
            BenefitRule.objects.bulk_create(
                BenefitRule(
                    tier=tier, kind=kind, params=params, disease_list=lists[list_key] if list_key else None,
                    required_documents=REQUIRED_DOCUMENTS[kind],
                )
                for kind, (params, list_key) in spec["rules"].items()
            )
        audit_log(actor=actor, action="benefits.plan.reference_built", target=plan)
    return plan


def plan_snapshot(plan: Plan) -> dict:
    """Everything that defines a plan, comparable between two databases (no ids, no federation)."""
    return {
        "plan": {f: getattr(plan, f) for f in ("code", *PLAN_FIELDS)},
        "tiers": {
            tier.code: {
                "name": tier.name, "fee": tier.fee, "yearly_cap": tier.yearly_cap,
                "rules": {
                    rule.kind: {
                        "params": rule.params,
                        "required_documents": rule.required_documents,
                        "diseases": sorted(rule.disease_list.diseases.values_list("code", "name"))
                        if rule.disease_list else None,
                    }
                    for rule in tier.rules.select_related("disease_list")
                },
            }
            for tier in plan.tiers.all()
        },
    }
