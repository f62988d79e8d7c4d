"""Rules engine: evaluations per second on a realistic mix of claims, in one process. Goal: 5,000/s."""

import random
import time
from datetime import date, timedelta
from decimal import Decimal

GOAL_PER_SECOND = 5_000
EVALUATIONS = 50_000

# A mix like a year's claims: mostly hospital stays, then self-pay subsidies, a few lump sums and injuries.
MIX = [("hospital_daily", 40), ("inpatient_self_pay", 30), ("large_single_disease", 8), ("serious_disease", 8),
       ("accidental_injury", 8), ("work_injury", 3), ("on_duty", 1), ("newborn_disease", 2)]


def _tier_specs():
    from benefits import reference, rules

    diseases = {"serious": [c for c, _n in reference.SERIOUS_DISEASES],
                "newborn": [c for c, _n in reference.NEWBORN_DISEASES]}
    specs = {}
    for code, tier in reference.TIERS.items():
        specs[code] = {
            str(kind): rules.rule_spec_from_data(kind=str(kind), params=params,
                                                 diseases=diseases[list_key] if list_key else [])
            for kind, (params, list_key) in tier["rules"].items()
        }
    return specs


def _claims(n: int, rng: random.Random):
    from benefits import reference, rules

    kinds = [k for k, w in MIX for _ in range(w)]
    serious = [c for c, _n in reference.SERIOUS_DISEASES]
    claims = []
    for _ in range(n):
        kind = rng.choice(kinds)
        admitted = date(2026, 1, 1) + timedelta(days=rng.randrange(0, 380))
        days = rng.randrange(0, 45)
        self_paid = Decimal(rng.randrange(0, 40_000_000)) / 100
        claims.append((rng.choice(["basic", "enhanced"]), rules.ClaimFacts(
            kind=kind, event_date=admitted, filed_on=admitted + timedelta(days=days + rng.randrange(0, 200)),
            disease_code=rng.choice([*serious, "congenital-heart-disease", "flu"]),
            is_accident=kind in ("accidental_injury", "work_injury", "on_duty"),
            admission_date=admitted, discharge_date=admitted + timedelta(days=days), self_paid=self_paid,
            bed_fee=Decimal(rng.randrange(0, 300_000)) / 100, grade=rng.choice(["death", "1", "5", "8", "10"]),
        ), rules.PaidThisYear(total=Decimal(rng.randrange(0, 30_000_000)) / 100,
                              by_kind={kind: Decimal(rng.randrange(0, 20_000_000)) / 100},
                              hospital_days=rng.randrange(0, 35))))
    return claims


def run() -> None:
    from benefits import rules

    specs = _tier_specs()
    terms = {
        code: rules.CoverTerms(cover_start=date(2026, 1, 1), cover_end=date(2026, 12, 31),
                               waiting_until=date(2026, 3, 31), claim_deadline_days=180,
                               yearly_cap=Decimal("150000.00") if code == "basic" else Decimal("300000.00"))
        for code in specs
    }
    claims = _claims(EVALUATIONS, random.Random(4))
    started = time.perf_counter()
    eligible = 0
    for tier, facts, paid in claims:
        eligible += rules.assess(specs[tier], terms[tier], facts, paid).eligible
    elapsed = time.perf_counter() - started
    rate = EVALUATIONS / elapsed
    started = time.perf_counter()
    for tier, facts, paid in claims[:5000]:
        rules.assess(specs[tier], terms[tier], facts, paid).as_data()
    rendered = 5000 / (time.perf_counter() - started)
    print(f"{EVALUATIONS} evaluations in {elapsed:.2f} s: {rate:,.0f}/s ({eligible} eligible)")
    print(f"with the breakdown rendered to text (as_data): {rendered:,.0f}/s")
    print(f"goal {GOAL_PER_SECOND:,}/s — ratio to goal {rate / GOAL_PER_SECOND:.1f} (above 1 meets it)")
    from bench.report import NO_DATABASE, record

    record(f"rules engine, {EVALUATIONS:,} assessments, one process", rate, "/s", goal=GOAL_PER_SECOND, op="≥",
           database=NO_DATABASE)
    record("same, with the breakdown rendered to text (as_data)", rendered, "/s", database=NO_DATABASE)
