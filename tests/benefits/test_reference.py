"""The reference plan: the fixture and the service build the same plan."""

import pytest
from django.core.management import call_command

from benefits.models import DiseaseList, Plan
from benefits.reference import PLAN_CODE, plan_snapshot, reference_plan_build
from benefits.rules import rule_spec_from_data


@pytest.mark.django_db
def test_fixture_and_service_agree():
    call_command("loaddata", "reference_plan", verbosity=0)
    loaded = plan_snapshot(Plan.objects.get(code=PLAN_CODE))
    Plan.objects.all().delete()
    DiseaseList.objects.all().delete()
    built = plan_snapshot(reference_plan_build())
    assert loaded == built
    assert built["tiers"]["basic"]["fee"] == 36 and built["tiers"]["enhanced"]["fee"] == 60
    assert len(built["tiers"]["enhanced"]["rules"]["serious_disease"]["diseases"]) == 31


@pytest.mark.django_db
def test_reference_figures_from_the_seed():
    plan = reference_plan_build()
    assert reference_plan_build() == plan  # idempotent
    enhanced = plan.tiers.get(code="enhanced")
    rules = {r.kind: r for r in enhanced.rules.all()}
    assert rules["serious_disease"].params["amount"] == "20000.00"
    assert rules["hospital_daily"].params == {"daily_amount": "50.00", "max_days_per_year": 30}
    assert rules["inpatient_self_pay"].params == {"rate": "0.20", "yearly_cap": "200000.00"}
    for rule in rules.values():
        rule.full_clean()  # every stored rule passes the engine's validation
        rule_spec_from_data(kind=rule.kind, params=rule.params, diseases=[])
