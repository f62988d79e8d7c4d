import datetime
from decimal import Decimal

from django.utils import timezone

from benefits.models import Claim, ClaimEvent
from core.models import AuditLogEntry, OutboxMessage
from members.models import Notification, StaffRole
from stations.models import Visit
from stats import selectors, services
from stats.models import Figure, FundWarning, Refresh
from tests.stats.conftest import aware


def _cells(branch, metric):
    return {(f.k1, f.k2): (f.n, f.a1, f.a2) for f in Figure.objects.filter(branch=branch, metric=metric)}


def test_a_claim_counts_at_its_branch_and_every_ancestor_not_at_siblings(world, claim_factory):
    claim_factory(world.enrol_a, state="paid", approved="300.00", paid="300.00")
    claim_factory(world.enrol_a, state="approved", approved="120.50")
    claim_factory(world.enrol_b, state="base_review")
    services.figures_refresh()
    tree = world.tree
    for branch in (tree.base_a1, tree.district_a):
        cells = _cells(branch, "claims")
        assert cells[("hospital_daily", "paid")] == (1, Decimal("300.00"), Decimal("300.00"))
        assert cells[("hospital_daily", "approved")] == (1, Decimal("120.50"), Decimal("0"))
        assert ("hospital_daily", "base_review") not in cells
    city = _cells(tree.city, "claims")
    assert sum(v[0] for v in city.values()) == 3
    assert not Figure.objects.filter(branch=tree.base_a2, metric="claims").exists()
    assert not Figure.objects.filter(branch=tree.district_b, metric="claims", k2="paid").exists()


def test_a_refresh_run_twice_gives_the_same_rows_and_records_its_time(world, claim_factory):
    claim_factory(world.enrol_a)
    services.figures_refresh()
    first = sorted(Figure.objects.values_list("metric", "branch_id", "period", "k1", "k2", "k3", "n", "a1", "a2"))
    took = services.figures_refresh()
    assert sorted(Figure.objects.values_list("metric", "branch_id", "period", "k1", "k2", "k3", "n", "a1",
                                             "a2")) == first
    assert set(took) == set(services.METRICS)
    assert Refresh.objects.get(metric="claims").rows == Figure.objects.filter(metric="claims").count()


def test_members_and_workers_add_up_over_the_subtree(world, member_factory):
    tree = world.tree
    tree.base_a1.worker_count = 40
    tree.base_a1.save(update_fields=["worker_count"])
    member_factory(branch=tree.base_a1, status="left", joined_at=aware(datetime.date(2020, 1, 1)),
                   left_at=aware(datetime.date(2021, 1, 1)))
    services.figures_refresh()
    now = {f.k1: f.n for f in Figure.objects.filter(branch=tree.district_a, metric="members.now")}
    assert now == {"members": 1, "workers": 40}
    flow = {(f.period, f.k1): f.n for f in Figure.objects.filter(branch=tree.city, metric="members.flow")}
    assert flow[(datetime.date(2021, 1, 1), "left")] == 1


def test_review_time_median_and_90th_percentile_per_level(world, claim_factory):
    start = timezone.localdate() - datetime.timedelta(days=40)
    for days in [1, 2, 2, 3, 3, 3, 4, 5, 9, 30]:
        claim = claim_factory(world.enrol_a, state="federation_review", submitted=start)
        ClaimEvent.objects.create(claim=claim, action="assessed", from_state="submitted", to_state="base_review",
                                  at=aware(start))
        ClaimEvent.objects.create(claim=claim, action="passed", from_state="base_review",
                                  to_state="federation_review", at=aware(start + datetime.timedelta(days=days)))
    services.figures_refresh()
    data = selectors.dashboard(branch=world.tree.city, date_from=start, date_to=timezone.localdate())
    review = selectors.chart_by_id(data, "review_time")
    _label, decisions, median, p90, service_days = review["rows"][0]
    assert decisions == 10 and median == 3 and p90 == 9 and service_days == world.current.review_service_days


def test_station_visits_by_day_and_by_station(world, station_factory):
    station = station_factory(branch=world.tree.district_a)
    day = timezone.localdate() - datetime.timedelta(days=2)
    for hour, mobile in ((9, "13800000001"), (10, "13800000002"), (11, "13800000001")):
        at = aware(day, hour)
        Visit.objects.create(station=station, mobile=mobile, job_type="courier", visited_at=at, hour=at)
    services.figures_refresh()
    data = selectors.dashboard(branch=world.tree.city, date_from=day, date_to=timezone.localdate())
    assert selectors.chart_by_id(data, "visits_day")["rows"] == [[day.isoformat(), 3]]
    assert selectors.chart_by_id(data, "visits_map")["rows"][0][0] == station.name
    sibling = selectors.dashboard(branch=world.tree.district_b, date_from=day, date_to=timezone.localdate())
    assert selectors.chart_by_id(sibling, "visits_day")["rows"] == []
    assert selectors.chart_by_id(sibling, "visits_day")["empty"]


def test_fund_health_per_plan_year(world, claim_factory):
    claim_factory(world.enrol_a, state="paid", approved="30.00", paid="30.00")
    claim_factory(world.enrol_b, state="approved", approved="20.00")
    claim_factory(world.enrol_b, state="rejected")
    services.figures_refresh()
    years = {y["year"]: y for y in selectors.fund_health(branch=world.tree.city)["years"]}
    now = years[world.today.year]
    assert now["income"] == Decimal("72.00")  # two basic-tier fees of 36
    assert (now["paid"], now["approved_unpaid"], now["balance"]) == (Decimal("30.00"), Decimal("20.00"),
                                                                      Decimal("22.00"))
    assert now["loss_ratio"] == Decimal("69.4")
    assert now["projected_balance"] is not None and "往年" in now["method"]


def test_projection_uses_the_same_months_of_earlier_years(world, claim_factory, member_factory):
    from tests.benefits.factories import make_active_enrolment

    year = world.today.year
    old = make_active_enrolment(world.last, member_factory(branch=world.tree.base_a1))
    # Last year: a quarter of the year's approved amount came in by the end of June.
    claim_factory(old, approved="100.00", submitted=datetime.date(year - 1, 6, 1))
    claim_factory(old, approved="300.00", submitted=datetime.date(year - 1, 11, 30))
    claim_factory(world.enrol_a, approved="50.00")
    services.figures_refresh()
    mid_year = datetime.date(year, 6, 15)
    row = next(y for y in selectors.fund_health(branch=world.tree.city, today=mid_year)["years"] if y["year"] == year)
    assert row["projected_claims"] == Decimal("200.00")  # 50 so far ÷ a 25 % share
    assert row["projected_balance"] == Decimal("-128.00")  # 72 of fees in
    assert "1 个往年" in row["method"]


def test_without_an_earlier_year_the_projection_is_linear(world, claim_factory):
    world.last.delete()
    claim_factory(world.enrol_a, approved="60.00")
    services.figures_refresh()
    year = world.today.year
    row = selectors.fund_health(branch=world.tree.city, today=datetime.date(year, 3, 10))["years"][0]
    assert row["projected_claims"] == Decimal("240.00")  # 60 over three months of twelve
    assert "没有可比的往年数据" in row["method"]


def test_a_projection_below_the_threshold_warns_finance_once_a_month(world, claim_factory, staff_of):
    finance = staff_of(world.tree.city, role=StaffRole.Role.FINANCE)
    reviewer = staff_of(world.tree.city, role=StaffRole.Role.CLAIMS_REVIEWER)
    world.current.fund_warning_balance = Decimal("1000.00")
    world.current.save(update_fields=["fund_warning_balance"])
    claim_factory(world.enrol_a, approved="500.00")
    services.figures_refresh()
    services.figures_refresh()
    warning = FundWarning.objects.get()
    assert warning.plan == world.current and warning.projected_balance < Decimal("1000.00")
    assert Notification.objects.filter(user=finance, kind="stats.fund_warning").count() == 1
    assert not Notification.objects.filter(user=reviewer).exists()
    assert AuditLogEntry.objects.filter(action="stats.fund_warning_sent").count() == 1
    data = selectors.dashboard(branch=world.tree.city, date_from=world.today, date_to=world.today)
    assert any(y["warning"] for y in data["fund"]["years"])


def test_no_warning_above_the_threshold_or_without_one(world, claim_factory):
    world.current.fund_warning_balance = Decimal("-100000.00")
    world.current.save(update_fields=["fund_warning_balance"])
    claim_factory(world.enrol_a, approved="5.00")
    services.figures_refresh()
    assert not FundWarning.objects.exists()


def test_the_staff_refresh_is_queued_through_the_outbox_and_audited(world, staff_of,
                                                                    django_capture_on_commit_callbacks):
    staff = staff_of(world.tree.district_a)
    with django_capture_on_commit_callbacks(execute=True):
        services.figures_refresh_request(actor=staff)
    assert OutboxMessage.objects.filter(task="stats.tasks.refresh_figures").exists()
    assert AuditLogEntry.objects.filter(action="stats.refresh_requested", actor=staff).exists()
    assert Refresh.objects.filter(metric="*").exists()  # the task ran in-process


def test_the_beat_schedule_names_the_task():
    from portal.celery_app import app

    entry = app.conf.beat_schedule["stats-refresh-figures"]
    assert app.conf.beat_schedule["stats-rebuild-figures-nightly"]["kwargs"] == {"full": True}
    assert entry["task"] == "stats.tasks.refresh_figures" and entry["schedule"] <= 600


def test_a_later_refresh_redoes_only_the_changed_periods_and_misses_no_change(world, claim_factory):
    old_month = world.today.replace(day=1) - datetime.timedelta(days=40)
    kept = claim_factory(world.enrol_a, state="base_review", submitted=old_month)
    moving = claim_factory(world.enrol_a, state="base_review")
    services.figures_refresh(full=True)
    untouched = Figure.objects.get(metric="claims", branch=world.tree.city, k2="base_review",
                                   period=old_month.replace(day=1))
    # After the run: one claim decided, a new one filed.
    Claim.objects.filter(pk=moving.pk).update(state="approved", approved_amount=Decimal("70.00"),
                                              state_changed_at=timezone.now())
    claim_factory(world.enrol_b, state="submitted")
    services.figures_refresh()
    city = _cells(world.tree.city, "claims")
    assert city[("hospital_daily", "approved")][:2] == (1, Decimal("70.00"))
    assert city[("hospital_daily", "submitted")][0] == 1
    assert sum(v[0] for k, v in city.items() if k[1] == "base_review") == 1
    # The old month was not touched: its row is the same row.
    assert Figure.objects.filter(pk=untouched.pk).exists() and kept.pk
    full = sorted(Figure.objects.values_list("metric", "branch_id", "period", "k1", "k2", "k3", "n", "a1", "a2"))
    services.figures_refresh(full=True)
    assert sorted(Figure.objects.values_list("metric", "branch_id", "period", "k1", "k2", "k3", "n", "a1",
                                             "a2")) == full


def test_palace_bookings_attendance_and_ratings_by_category_and_venue(world, user_factory):
    from culture.models import Booking, Rating
    from tests.culture.factories import SessionFactory

    when = timezone.now() - datetime.timedelta(days=3)
    session = SessionFactory(item__branch=world.tree.district_a, starts_at=when)
    people = [user_factory() for _ in range(3)]
    bookings = [
        Booking.objects.create(session=session, user=person, mobile=person.mobile, seats=seats, unit_price=0,
                               total_price=0, code=f"stats-{n}", checked_in_at=when if n < 2 else None)
        for n, (person, seats) in enumerate(zip(people, (2, 1, 1), strict=True))
    ]
    Rating.objects.create(booking=bookings[0], session=session, item=session.item, user=people[0], score=5)
    Rating.objects.create(booking=bookings[1], session=session, item=session.item, user=people[1], score=3)
    services.figures_refresh()
    data = selectors.dashboard(branch=world.tree.city, date_from=world.today - datetime.timedelta(days=30),
                               date_to=world.today)
    category = selectors.chart_by_id(data, "culture_category")["rows"]
    assert category == [["演出", 4, 3, 75.0, 2, 4.0]]
    venue = selectors.chart_by_id(data, "culture_venue")["rows"]
    assert venue == [[session.item.venue.name, 4, 3, 75.0, 2, 4.0]]


def test_hardship_families_by_state_in_their_branch_only(world):
    from benefits.models import HardshipFamily

    HardshipFamily.objects.create(number="H-1", member=world.member_a, status=HardshipFamily.Status.FILED,
                                  cause="illness", monthly_income=Decimal("1000.00"), household_size=2,
                                  per_capita_income=Decimal("500.00"))
    services.figures_refresh()
    data = selectors.dashboard(branch=world.tree.district_a, date_from=world.today, date_to=world.today)
    assert selectors.chart_by_id(data, "hardship")["rows"] == [["待走访", 1]]
    assert selectors.chart_by_id(selectors.dashboard(branch=world.tree.district_b, date_from=world.today,
                                                     date_to=world.today), "hardship")["rows"] == []
