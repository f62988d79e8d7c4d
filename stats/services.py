"""Writes of the statistics app: rebuilding the rollups, a staff refresh request, fund warnings.

The rollups are rebuilt whole, metric by metric, with one set-based INSERT … SELECT each: the service apps' rows
are grouped at their own branch by the ORM (which knows each database's month and time-zone functions), and the
groups are added to every ancestor of that branch in the same statement. Nothing is read into Python, so the time
follows what the database scans (bench/bench_stats.py measures it at federation size); a rebuild is small enough
to run every few minutes from beat, which keeps the code free of the bookkeeping an incremental update needs
(claims change state and amount long after they are filed).
"""

import datetime
import time
from decimal import Decimal

from django.db import connection, transaction
from django.db.models import Case, CharField, Count, DateField, DecimalField, F, IntegerField, Q, Sum, Value, When
from django.db.models.functions import Cast, Coalesce, TruncDay, TruncMonth
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy

from benefits.models import Claim, EducationAidApplication, Enrolment, HardshipFamily, Plan
from core.services import audit_log, outbox_add_once
from culture.models import Booking, Rating
from members.models import Branch, Member, StaffRole
from members.notifications.services import notification_send, recipient_text
from members.selectors import branch_admins_for
from stations.models import Visit

from . import selectors
from .models import Figure, FundWarning, Refresh

ZERO = Value(Decimal("0"), output_field=DecimalField(max_digits=16, decimal_places=2))
EMPTY = Value("", output_field=CharField())
# Rows that are not about a time (a snapshot, a plan year) are filed under one fixed date.
TIMELESS = Value(selectors.TIMELESS, output_field=DateField())
DONE = [Claim.State.APPROVED, Claim.State.PAID]
EPOCH = timezone.make_aware(datetime.datetime(2000, 1, 1))  # "never run"
REVIEW_DAYS_CAP = selectors.REVIEW_DAYS_CAP


def _money(expression):
    return Coalesce(Sum(expression), ZERO, output_field=DecimalField(max_digits=16, decimal_places=2))


def _facts(queryset, *, branch, period, k1=EMPTY, k2=EMPTY, k3=EMPTY, n=None, a1=ZERO, a2=ZERO):
    """The grouped rows of one source at their own branch, in the columns every rollup statement reads."""
    return (
        queryset.order_by()
        .annotate(f_b=branch, f_p=period, f_k1=k1, f_k2=k2, f_k3=k3)
        .values("f_b", "f_p", "f_k1", "f_k2", "f_k3")
        .annotate(f_n=n if n is not None else Count("pk"), f_a1=a1 if a1 is ZERO else _money(a1),
                  f_a2=a2 if a2 is ZERO else _money(a2))
    )


def _text(expression):
    return Cast(expression, output_field=CharField())


def _sources() -> dict[str, list]:
    """Each metric and the grouped querysets its rows come from (see stats/selectors.py for what each key means)."""
    month = {"output_field": DateField()}
    claims = Claim.objects.exclude(state=Claim.State.DRAFT).filter(submitted_at__isnull=False)
    return {
        "members.flow": [
            _facts(Member.objects.filter(joined_at__isnull=False), branch=F("branch_id"),
                   period=TruncMonth("joined_at", **month), k1=Value("joined")),
            _facts(Member.objects.filter(left_at__isnull=False, joined_at__isnull=False), branch=F("branch_id"),
                   period=TruncMonth("left_at", **month), k1=Value("left")),
        ],
        "members.now": [
            _facts(Member.objects.filter(status=Member.Status.ACTIVE), branch=F("branch_id"), period=TIMELESS,
                   k1=Value("members")),
            _facts(Branch.objects.filter(worker_count__gt=0), branch=F("id"), period=TIMELESS, k1=Value("workers"),
                   n=Sum("worker_count")),
        ],
        "enrol": [
            _facts(Enrolment.objects.filter(status=Enrolment.Status.ACTIVE), branch=F("branch_id"), period=TIMELESS,
                   k1=_text("plan_id"), k2=_text("tier_id"), a1=F("member_part"), a2=F("subsidy_part")),
        ],
        "claims": [
            _facts(claims, branch=F("branch_id"), period=TruncMonth("submitted_at", **month), k1=F("kind"),
                   k2=F("state"), k3=_text("enrolment__plan_id"),
                   a1=Case(When(state__in=DONE, then=F("approved_amount")), default=ZERO),
                   a2=F("paid_amount")),
        ],
        "visits.day": [
            _facts(Visit.objects.all(), branch=F("station__branch_id"), period=TruncDay("visited_at", **month)),
        ],
        "visits.station": [
            _facts(Visit.objects.all(), branch=F("station__branch_id"), period=TruncMonth("visited_at", **month),
                   k1=_text("station_id")),
        ],
        "culture": [
            _facts(Booking.objects.filter(status=Booking.Status.CONFIRMED), branch=F("session__item__branch_id"),
                   period=TruncMonth("session__starts_at", **month), k1=F("session__item__category"),
                   k2=_text(Coalesce("session__venue_id", "session__item__venue_id")), n=Sum("seats"),
                   a1=Case(When(checked_in_at__isnull=False, then=F("seats")), default=0,
                           output_field=IntegerField())),
        ],
        "culture.rating": [
            _facts(Rating.objects.all(), branch=F("item__branch_id"), period=TruncMonth("session__starts_at", **month),
                   k1=F("item__category"), k2=_text(Coalesce("session__venue_id", "item__venue_id")),
                   a1=F("score")),
        ],
        "hardship": [
            _facts(HardshipFamily.objects.all(), branch=F("member__branch_id"), period=TruncMonth("filed_at", **month),
                   k1=F("status")),
        ],
        "aid": [
            _facts(EducationAidApplication.objects.filter(submitted_at__isnull=False)
                   .exclude(state=EducationAidApplication.State.DRAFT),
                   branch=F("branch_id"), period=TruncMonth("submitted_at", **month), k1=F("state"),
                   k3=_text("year"),
                   a1=Case(When(state__in=DONE, then=F("approved_amount")), default=ZERO), a2=F("paid_amount")),
        ],
    }


METRICS = ["members.flow", "members.now", "enrol", "claims", "review",
           "visits.day", "visits.station", "culture", "culture.rating", "hardship", "aid"]


def _expand_sql(facts_sql: str) -> str:
    """Adds each group to its own branch and every ancestor (the ancestors' paths are the prefixes of the branch's
    path, one per depth), so a branch's row holds its whole subtree."""
    q = connection.ops.quote_name
    branch = q(Branch._meta.db_table)
    return f"""
        INSERT INTO {q(Figure._meta.db_table)} (metric, branch_id, period, k1, k2, k3, n, a1, a2)
        SELECT %s, a.id, f.f_p, f.f_k1, f.f_k2, f.f_k3, SUM(f.f_n), SUM(f.f_a1), SUM(f.f_a2)
        FROM ({facts_sql}) f
        JOIN {branch} b ON b.id = f.f_b
        JOIN (SELECT DISTINCT depth AS d FROM {branch}) l ON l.d <= b.depth
        JOIN {branch} a ON a.path = substr(b.path, 1, {int(Branch.steplen)} * l.d)
        WHERE f.f_p IS NOT NULL
        GROUP BY a.id, f.f_p, f.f_k1, f.f_k2, f.f_k3
    """  # noqa: S608 — names come from the models, values are parameters


def _review_facts_sql(where: str = "") -> str:
    """Days each claim waited at a review level, one row per decision taken there (pass, return, reject), counted
    by level, whole days (capped) and plan: the histogram the median and 90th percentile are read from. The wait
    runs from the claim's previous event (it reached the level) to the event that left it."""
    q = connection.ops.quote_name
    claim, event = q(Claim._meta.db_table), q(Claim.events.rel.related_model._meta.db_table)
    enrolment = q(Enrolment._meta.db_table)
    if connection.vendor == "postgresql":
        days = "FLOOR(EXTRACT(EPOCH FROM (e.at - e.prev_at)) / 86400)"
        month = "CAST(date_trunc('month', e.at AT TIME ZONE 'Asia/Shanghai') AS date)"
    else:
        days = "CAST(julianday(e.at) - julianday(e.prev_at) AS INTEGER)"
        month = "date(e.at, '+8 hours', 'start of month')"
    return f"""
        SELECT c.branch_id AS f_b, {month} AS f_p, e.from_state AS f_k1,
               CAST(CASE WHEN {days} > {REVIEW_DAYS_CAP} THEN {REVIEW_DAYS_CAP} ELSE {days} END AS {_int_type()})
                   AS f_k2_n,
               CAST(en.plan_id AS {_text_type()}) AS f_k3, COUNT(*) AS f_n
        FROM (SELECT claim_id, at, from_state,
                     LAG(at) OVER (PARTITION BY claim_id ORDER BY at, id) AS prev_at
              FROM {event}) e
        JOIN {claim} c ON c.id = e.claim_id
        JOIN {enrolment} en ON en.id = c.enrolment_id
        WHERE e.from_state IN ('base_review', 'federation_review') AND e.prev_at IS NOT NULL{where}
        GROUP BY 1, 2, 3, 4, 5
    """  # noqa: S608


def _int_type() -> str:
    return "integer"


def _text_type() -> str:
    return "text" if connection.vendor in ("postgresql", "sqlite") else "varchar(40)"


# Metrics rebuilt incrementally between full runs: only the periods (months or days) whose source rows changed
# since the last run are deleted and grouped again, across every branch. What changes a row of these sources also
# moves the column named here (a claim's state_changed_at moves with every transition, amounts included; events,
# visits and joining are only ever added), so a changed period is always found. Anything else (a member moved to
# another branch, a corrected date) waits for the nightly full rebuild.
INCREMENTAL = {
    # metric: (model, column that says it changed, column the period is taken from, "month" or "day")
    "claims": (Claim, "state_changed_at", "submitted_at", "month"),
    "review": (Claim.events.rel.related_model, "at", "at", "month"),
    "visits.day": (Visit, "visited_at", "visited_at", "day"),
    "visits.station": (Visit, "visited_at", "visited_at", "month"),
}
MAX_PERIODS = 24  # more changed periods than this (after a long pause): rebuild the metric whole


def _period_bounds(period: datetime.date, unit: str) -> tuple[datetime.datetime, datetime.datetime]:
    start = datetime.datetime.combine(period, datetime.time())
    if unit == "day":
        end = start + datetime.timedelta(days=1)
    else:
        end = datetime.datetime(period.year + period.month // 12, period.month % 12 + 1, 1)
    return timezone.make_aware(start), timezone.make_aware(end)


def _changed_periods(metric: str, since: datetime.datetime) -> list[datetime.date] | None:
    """The periods of `metric` whose source rows changed since `since`; None when it is to be rebuilt whole."""
    if metric not in INCREMENTAL:
        return None
    model, changed, dated, unit = INCREMENTAL[metric]
    trunc = TruncDay if unit == "day" else TruncMonth
    periods = list(
        model.objects.filter(**{f"{changed}__gte": since}).exclude(**{f"{dated}__isnull": True}).order_by()
        .annotate(p=trunc(dated, output_field=DateField())).values_list("p", flat=True).distinct()[:MAX_PERIODS + 1]
    )
    if len(periods) > MAX_PERIODS:
        return None
    return [p if isinstance(p, datetime.date) else datetime.date.fromisoformat(str(p)[:10]) for p in periods]


def _within(field: str, periods: list[datetime.date], unit: str) -> Q:
    condition = Q()
    for period in periods:
        start, end = _period_bounds(period, unit)
        condition |= Q(**{f"{field}__gte": start, f"{field}__lt": end})
    return condition


def _rebuild(metric: str, periods: list[datetime.date] | None = None) -> int:
    """Replaces the rows of one metric, or only those of `periods`; returns how many rows it wrote."""
    old = Figure.objects.filter(metric=metric)
    if periods is not None:
        old = old.filter(period__in=periods)
    if periods != []:
        old.delete()
    with connection.cursor() as cursor:
        if periods == []:
            pass
        elif metric == "review":
            where, params = "", []
            if periods is not None:
                bounds = [_period_bounds(p, "month") for p in periods]
                where = " AND (" + " OR ".join(["(e.at >= %s AND e.at < %s)"] * len(bounds)) + ")"
                params = [value for pair in bounds for value in pair]
            facts = (f"SELECT f_b, f_p, f_k1, CAST(f_k2_n AS {_text_type()}) AS f_k2, f_k3, f_n, "  # noqa: S608
                     f"0 AS f_a1, 0 AS f_a2 FROM ({_review_facts_sql(where)}) r")
            cursor.execute(_expand_sql(facts), [metric, *params])
        else:
            for queryset in _sources()[metric]:
                if periods is not None:
                    _model, _changed, dated, unit = INCREMENTAL[metric]
                    queryset = queryset.filter(_within(dated, periods, unit))
                sql, params = queryset.query.sql_with_params()
                cursor.execute(_expand_sql(sql), [metric, *params])
        cursor.execute(f"SELECT COUNT(*) FROM {connection.ops.quote_name(Figure._meta.db_table)} "  # noqa: S608
                       f"WHERE metric = %s", [metric])
        return cursor.fetchone()[0]


def figures_refresh(*, metrics: list[str] | None = None, full: bool = False) -> dict[str, int]:
    """Brings the rollups up to date (all metrics, or those named) and then checks every running plan's fund
    against its warning threshold. After a first run, the metrics in INCREMENTAL only redo the periods that changed
    since the previous run began, unless `full`. Returns the milliseconds each metric took."""
    wanted = [m for m in METRICS if not metrics or m in metrics]
    took = {}
    with transaction.atomic():
        # Two rebuilds at once (beat and a staff button) would each delete the other's fresh rows and then insert
        # the same cells twice (a unique violation): the second waits on this row lock until the first commits.
        Refresh.objects.get_or_create(metric="*", defaults={"finished_at": EPOCH})
        run = Refresh.objects.select_for_update().get(metric="*")
        # Changes are looked for from the start of the previous run (rows written while it ran are not missed).
        since = None if full or run.finished_at <= EPOCH else run.finished_at
        began = timezone.now()
        for metric in wanted:
            started = time.perf_counter()
            periods = _changed_periods(metric, since) if since is not None else None
            rows = _rebuild(metric, periods)
            took[metric] = int((time.perf_counter() - started) * 1000)
            Refresh.objects.update_or_create(metric=metric, defaults={
                "finished_at": timezone.now(), "took_ms": took[metric], "rows": rows})
        if not metrics:
            Refresh.objects.filter(metric="*").update(finished_at=began, took_ms=sum(took.values()))
        fund_warnings_send()
    return took


def figures_refresh_request(*, actor) -> None:
    """A staff member asked for fresh figures: the rebuild runs as a task (it may take seconds at city size)."""
    with transaction.atomic():
        audit_log(actor=actor, action="stats.refresh_requested")
        # Ten presses while one refresh waits for the broker queue one refresh, not ten.
        outbox_add_once(task="stats.tasks.refresh_figures")


def fund_warnings_send(*, today: datetime.date | None = None) -> list[FundWarning]:
    """Tells the finance staff of each running plan's federation, once a month, that its projected year-end balance
    is below the threshold the plan sets. Runs inside the refresh's transaction."""
    today = today or timezone.localdate()
    month = today.replace(day=1)
    sent = []
    with transaction.atomic():
        plans = list(Plan.objects.filter(fund_warning_balance__isnull=False, cover_starts__lte=today,
                                          cover_ends__gte=today).select_related("federation"))
        already = set(FundWarning.objects.filter(plan__in=plans, month=month).values_list("plan_id", flat=True))
        for plan in plans:
            if plan.pk in already:
                continue
            health = selectors.fund_health(branch=plan.federation, today=today, plans=[plan])
            row = next((r for r in health["years"] if r["plan_id"] == plan.pk), None)
            if not row or row["projected_balance"] is None or row["projected_balance"] >= plan.fund_warning_balance:
                continue
            warning = FundWarning.objects.create(plan=plan, month=month, projected_balance=row["projected_balance"],
                                                 threshold=plan.fund_warning_balance)
            for user in branch_admins_for(plan.federation, role=StaffRole.Role.FINANCE):
                notification_send(
                    user=user, kind="stats.fund_warning",
                    title=recipient_text(gettext_lazy("%(plan)s：预计年末基金余额低于预警线"), plan=plan.name),
                    body=recipient_text(
                        gettext_lazy("按已核准的补助和往年同期的支出比例推算，%(plan)s 年末基金余额约为 "
                                     "%(balance)s 元，低于方案设定的预警余额 %(threshold)s 元。请关注基金收支。"),
                        plan=plan.name, balance=f"{row['projected_balance']:,.2f}",
                        threshold=f"{plan.fund_warning_balance:,.2f}"),
                    url=f"{reverse('stats:dashboard')}?branch={plan.federation_id}",
                )
            audit_log(actor=None, action="stats.fund_warning_sent", target=warning,
                      data={"plan": plan.pk, "projected_balance": str(row["projected_balance"])})
            sent.append(warning)
    return sent
