"""The rules engine: each kind at and around its bounds, and properties that hold for any input."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.utils.functional import Promise
from hypothesis import given, settings
from hypothesis import strategies as st

from benefits import rules
from benefits.rules import ClaimFacts, CoverTerms, PaidThisYear, assess, rule_spec_from_data

D = Decimal
START = date(2026, 1, 1)
TERMS = CoverTerms(cover_start=START, cover_end=date(2026, 12, 31), waiting_until=date(2026, 3, 31),
                   claim_deadline_days=180, yearly_cap=D("300000.00"))

RULES = {
    "serious_disease": rule_spec_from_data(kind="serious_disease", params={"amount": "20000.00"},
                                           diseases=["cancer", "stroke"]),
    "hospital_daily": rule_spec_from_data(kind="hospital_daily",
                                          params={"daily_amount": "50.00", "max_days_per_year": 30}, diseases=[]),
    "inpatient_self_pay": rule_spec_from_data(kind="inpatient_self_pay",
                                              params={"rate": "0.20", "yearly_cap": "200000.00"}, diseases=[]),
    "large_single_disease": rule_spec_from_data(
        kind="large_single_disease",
        params={"brackets": [{"from": "0", "to": "50000", "rate": "0"},
                             {"from": "50000", "to": "100000", "rate": "0.10"},
                             {"from": "100000", "to": None, "rate": "0.15"}],
                "yearly_cap": "50000.00"},
        diseases=["cancer"],
    ),
    "work_injury": rule_spec_from_data(kind="work_injury", params={"grades": {"death": "30000", "5": "10000"}},
                                       diseases=[]),
    "on_duty": rule_spec_from_data(kind="on_duty", params={"grades": {"death": "50000"}}, diseases=[]),
    "newborn_disease": rule_spec_from_data(kind="newborn_disease", params={"amount": "10000"}, diseases=["chd"]),
    "accidental_injury": rule_spec_from_data(kind="accidental_injury",
                                             params={"amount": "3000", "yearly_cap": "6000"}, diseases=[]),
}


def stay(admitted: date, days: int, **extra) -> ClaimFacts:
    return ClaimFacts(kind=extra.pop("kind", "hospital_daily"), event_date=admitted,
                      filed_on=admitted + timedelta(days=days + 5), admission_date=admitted,
                      discharge_date=admitted + timedelta(days=days), **extra)


JUNE = date(2026, 6, 1)


class TestHospitalDaily:
    def test_thirtieth_day_is_paid(self):
        result = assess(RULES, TERMS, stay(JUNE, 30))
        assert result.eligible and result.amount == D("1500.00") and result.hospital_days_paid == 30

    def test_thirty_first_day_is_not(self):
        result = assess(RULES, TERMS, stay(JUNE, 31))
        assert result.amount == D("1500.00") and result.hospital_days_paid == 30
        assert "31" in result.lines[0].text.render()

    def test_days_cap_reached_across_two_claims(self):
        first = assess(RULES, TERMS, stay(JUNE, 20))
        assert first.amount == D("1000.00")
        second = assess(RULES, TERMS, stay(date(2026, 8, 1), 15), PaidThisYear(hospital_days=first.hospital_days_paid))
        assert second.amount == D("500.00") and second.hospital_days_paid == 10
        third = assess(RULES, TERMS, stay(date(2026, 9, 1), 3), PaidThisYear(hospital_days=30))
        assert third.eligible and third.amount == D("0.00")

    def test_same_day_discharge_counts_one_day(self):
        assert assess(RULES, TERMS, stay(JUNE, 0)).amount == D("50.00")

    def test_missing_discharge_date_is_a_reason(self):
        facts = ClaimFacts(kind="hospital_daily", event_date=JUNE, filed_on=JUNE, admission_date=JUNE)
        result = assess(RULES, TERMS, facts)
        assert not result.eligible and "出院" in result.reasons[0].render()


class TestInpatientSelfPay:
    def test_rate_of_self_pay_excluding_bed_fee(self):
        result = assess(RULES, TERMS, stay(JUNE, 5, kind="inpatient_self_pay", self_paid=D("10000.00"),
                                           bed_fee=D("800.00")))
        assert result.amount == D("1840.00")
        assert result.lines[0].inputs[2] == ("base", D("9200.00"))

    def test_bed_fee_above_self_pay_pays_nothing_never_negative(self):
        result = assess(RULES, TERMS, stay(JUNE, 5, kind="inpatient_self_pay", self_paid=D("500.00"),
                                           bed_fee=D("900.00")))
        assert result.eligible and result.amount == D("0.00")

    def test_rounds_half_up_to_the_fen(self):
        result = assess(RULES, TERMS, stay(JUNE, 5, kind="inpatient_self_pay", self_paid=D("0.13"), bed_fee=D("0")))
        assert result.amount == D("0.03")  # 0.026 → 0.03

    def test_cap_reached_across_two_claims(self):
        facts = stay(JUNE, 5, kind="inpatient_self_pay", self_paid=D("600000.00"))
        first = assess(RULES, TERMS, facts)
        assert first.amount == D("120000.00")
        paid = PaidThisYear(total=first.amount, by_kind={"inpatient_self_pay": first.amount})
        second = assess(RULES, TERMS, stay(date(2026, 8, 1), 5, kind="inpatient_self_pay",
                                           self_paid=D("600000.00")), paid)
        assert second.amount == D("80000.00")
        assert [line.amount for line in second.lines] == [D("120000.00"), D("-40000.00")]
        assert "200,000.00" in second.lines[1].text.render()

    def test_tier_yearly_cap_applies_to_the_sum_of_benefits(self):
        terms = CoverTerms(cover_start=START, cover_end=date(2026, 12, 31), yearly_cap=D("1000.00"))
        result = assess(RULES, terms, stay(JUNE, 5, kind="inpatient_self_pay", self_paid=D("10000.00")),
                        PaidThisYear(total=D("900.00")))
        assert result.amount == D("100.00")


class TestWaitingPeriodAndDeadline:
    def test_last_day_of_waiting_period_is_not_covered(self):
        result = assess(RULES, TERMS, stay(date(2026, 3, 31), 3))
        assert not result.eligible and "等待期" in result.reasons[0].render()

    def test_first_day_after_waiting_period_is_covered(self):
        assert assess(RULES, TERMS, stay(date(2026, 4, 1), 3)).eligible

    def test_renewal_without_waiting_period(self):
        terms = CoverTerms(cover_start=START, cover_end=date(2026, 12, 31), waiting_until=None)
        assert assess(RULES, terms, stay(date(2026, 1, 2), 3)).eligible

    def test_accident_skips_the_waiting_period(self):
        assert assess(RULES, TERMS, stay(date(2026, 2, 1), 3, is_accident=True)).eligible

    def test_deadline_day_is_accepted_and_the_next_refused(self):
        base = stay(JUNE, 10)
        deadline = base.discharge_date + timedelta(days=180)
        ok = assess(RULES, TERMS, ClaimFacts(**{**base.__dict__, "filed_on": deadline}))
        late = assess(RULES, TERMS, ClaimFacts(**{**base.__dict__, "filed_on": deadline + timedelta(days=1)}))
        assert ok.eligible
        assert not late.eligible and "期限" in late.reasons[0].render()

    def test_event_outside_cover(self):
        result = assess(RULES, TERMS, stay(date(2027, 1, 1), 3))
        assert not result.eligible and "保障期" in result.reasons[0].render()

    def test_every_reason_is_listed(self):
        facts = ClaimFacts(kind="serious_disease", event_date=date(2026, 2, 1), filed_on=date(2027, 6, 1),
                           disease_code="flu")
        assert len(assess(RULES, TERMS, facts).reasons) == 3  # waiting, deadline, not on the list


class TestLumpSums:
    def test_serious_disease_first_diagnosis(self):
        facts = ClaimFacts(kind="serious_disease", event_date=JUNE, filed_on=JUNE, disease_code="cancer")
        assert assess(RULES, TERMS, facts).amount == D("20000.00")

    def test_serious_disease_paid_once_per_disease(self):
        facts = ClaimFacts(kind="serious_disease", event_date=JUNE, filed_on=JUNE, disease_code="cancer")
        result = assess(RULES, TERMS, facts, PaidThisYear(diseases_paid=frozenset({("serious_disease", "cancer")})))
        assert not result.eligible
        other = ClaimFacts(kind="serious_disease", event_date=JUNE, filed_on=JUNE, disease_code="stroke")
        assert assess(RULES, TERMS, other, PaidThisYear(
            diseases_paid=frozenset({("serious_disease", "cancer")}))).eligible

    def test_not_first_diagnosis(self):
        facts = ClaimFacts(kind="serious_disease", event_date=JUNE, filed_on=JUNE, disease_code="cancer",
                           first_diagnosis=False)
        assert not assess(RULES, TERMS, facts).eligible

    def test_newborn_listed_disease(self):
        ok = ClaimFacts(kind="newborn_disease", event_date=JUNE, filed_on=JUNE, disease_code="chd")
        bad = ClaimFacts(kind="newborn_disease", event_date=JUNE, filed_on=JUNE, disease_code="cancer")
        assert assess(RULES, TERMS, ok).amount == D("10000.00")
        assert not assess(RULES, TERMS, bad).eligible

    def test_accidental_injury_cap_across_claims(self):
        facts = ClaimFacts(kind="accidental_injury", event_date=date(2026, 1, 5), filed_on=JUNE, is_accident=True)
        assert assess(RULES, TERMS, facts, PaidThisYear(by_kind={"accidental_injury": D("3000")})).amount == D("3000")
        assert assess(RULES, TERMS, facts, PaidThisYear(by_kind={"accidental_injury": D("6000")})).amount == D("0")

    def test_work_injury_and_on_duty_by_grade(self):
        facts = ClaimFacts(kind="work_injury", event_date=JUNE, filed_on=JUNE, grade="5")
        assert assess(RULES, TERMS, facts).amount == D("10000.00")
        assert not assess(RULES, TERMS, ClaimFacts(kind="work_injury", event_date=JUNE, filed_on=JUNE,
                                                   grade="11")).eligible
        assert assess(RULES, TERMS, ClaimFacts(kind="on_duty", event_date=JUNE, filed_on=JUNE,
                                               grade="death")).amount == D("50000.00")

    def test_kind_not_in_tier(self):
        result = assess({}, TERMS, ClaimFacts(kind="on_duty", event_date=JUNE, filed_on=JUNE, grade="death"))
        assert not result.eligible and "不包含" in result.reasons[0].render()


class TestLargeSingleDisease:
    def facts(self, self_paid):
        return ClaimFacts(kind="large_single_disease", event_date=JUNE, filed_on=JUNE, disease_code="cancer",
                          self_paid=D(self_paid))

    def test_brackets(self):
        result = assess(RULES, TERMS, self.facts("150000.00"))
        # 0–50k at 0%, 50k–100k at 10% = 5,000, 100k–150k at 15% = 7,500
        assert [line.amount for line in result.lines] == [D("0.00"), D("5000.00"), D("7500.00")]
        assert result.amount == D("12500.00")

    def test_at_a_bracket_bound(self):
        assert assess(RULES, TERMS, self.facts("50000.00")).amount == D("0.00")
        assert assess(RULES, TERMS, self.facts("50000.10")).amount == D("0.01")

    def test_cap(self):
        assert assess(RULES, TERMS, self.facts("10000000.00")).amount == D("50000.00")


class TestMessages:
    def test_breakdown_is_lazy_and_renders_with_parameters(self):
        result = assess(RULES, TERMS, stay(JUNE, 3))
        assert isinstance(result.lines[0].text.template, Promise)
        text = result.lines[0].text.render()
        assert "3 天" in text and "150.00" in text

    def test_renders_in_the_active_language(self, monkeypatch):
        from django.utils import translation

        result = assess(RULES, TERMS, stay(JUNE, 3))
        with translation.override("en"):
            monkeypatch.setattr(translation._trans, "gettext", lambda s: "Stay %(days)s days" if "住院" in s else s)
            assert result.lines[0].text.render().startswith("Stay 3 days")

    def test_as_data(self):
        data = assess(RULES, TERMS, stay(JUNE, 3)).as_data()
        assert data["amount"] == "150.00" and data["lines"][0]["kind"] == "hospital_daily"


class TestSpecValidation:
    @pytest.mark.parametrize(("kind", "params"), [
        ("serious_disease", {}),
        ("serious_disease", {"amount": "-1"}),
        ("hospital_daily", {"daily_amount": "50", "max_days_per_year": 0}),
        ("inpatient_self_pay", {"rate": "1.5"}),
        ("large_single_disease", {"brackets": [{"from": "10", "to": "5", "rate": "0.1"}]}),
        ("large_single_disease", {"brackets": [{"from": "0", "to": None, "rate": "0.1"},
                                               {"from": "5", "to": None, "rate": "0.1"}]}),
        ("work_injury", {"grades": {}}),
        ("nonsense", {}),
    ])
    def test_bad_parameters_are_refused(self, kind, params):
        with pytest.raises(rules.RuleSpecError):
            rule_spec_from_data(kind=kind, params=params, diseases=[])


# --- properties -----------------------------------------------------------------------------------------------

money = st.decimals(min_value=0, max_value=2_000_000, places=2, allow_nan=False, allow_infinity=False)
kinds = st.sampled_from(sorted(RULES))


@st.composite
def claims(draw):
    admitted = draw(st.dates(min_value=date(2025, 12, 1), max_value=date(2027, 1, 31)))
    days = draw(st.integers(min_value=0, max_value=60))
    kind = draw(kinds)
    facts = ClaimFacts(
        kind=kind, event_date=admitted, filed_on=admitted + timedelta(days=days + draw(st.integers(0, 200))),
        disease_code=draw(st.sampled_from(["cancer", "stroke", "chd", "flu"])),
        is_accident=draw(st.booleans()), admission_date=admitted, discharge_date=admitted + timedelta(days=days),
        self_paid=draw(money), bed_fee=draw(money), grade=draw(st.sampled_from(["death", "5", "9"])),
    )
    paid_by_kind = draw(money)
    paid = PaidThisYear(total=paid_by_kind + draw(money), by_kind={kind: paid_by_kind},
                        hospital_days=draw(st.integers(0, 40)))
    return facts, paid


@settings(max_examples=300, deadline=None)
@given(claims())
def test_never_negative_and_never_above_any_cap(claim):
    facts, paid = claim
    result = assess(RULES, TERMS, facts, paid)
    assert result.amount >= 0
    assert result.amount == result.amount.quantize(D("0.01"))
    rule = RULES[facts.kind]
    assert result.amount <= max(TERMS.yearly_cap - paid.total, D(0))
    if rule.yearly_cap is not None:
        assert result.amount <= max(rule.yearly_cap - paid.by_kind[facts.kind], D(0))
    if rule.max_days_per_year is not None:
        assert result.hospital_days_paid <= max(rule.max_days_per_year - paid.hospital_days, 0)
        assert result.amount <= rule.daily_amount * max(rule.max_days_per_year - paid.hospital_days, 0)
    assert result.amount == sum((line.amount for line in result.lines), D("0.00"))
    data = result.as_data()  # every message renders with its parameters
    assert all("%(" not in text for text in [*data["reasons"], *(line["text"] for line in data["lines"])])
    assert result.eligible == (not result.reasons)


@settings(max_examples=300, deadline=None)
@given(claims(), money)
def test_never_more_when_self_pay_is_less(claim, less_by):
    facts, paid = claim
    smaller = ClaimFacts(**{**facts.__dict__, "self_paid": max(facts.self_paid - less_by, D("0.00"))})
    assert assess(RULES, TERMS, smaller, paid).amount <= assess(RULES, TERMS, facts, paid).amount
