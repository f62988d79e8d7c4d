"""Rollup tables the dashboard reads instead of the service apps' rows.

A `Figure` is one cell of a rollup: for one metric, one branch (its whole subtree: each fact is counted at its own
branch and at every ancestor), one period (a month, a day for station visits, 1 January for a plan year) and up to
three keys (kind, state, plan…), a count and two sums. The dashboard for any branch reads that branch's rows and its
children's rows only, so its cost follows the number of periods and keys shown, not the number of claims, members or
visits behind them. `stats.services.figures_refresh` rebuilds them (beat, every few minutes, or a staff button).
"""

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from benefits.models import Plan
from members.models import Branch

MONEY = {"max_digits": 16, "decimal_places": 2}


class Figure(models.Model):
    metric = models.CharField(_("指标"), max_length=30)
    branch = models.ForeignKey(Branch, on_delete=models.CASCADE, related_name="+", verbose_name=_("工会"))
    period = models.DateField(_("期间"))
    k1 = models.CharField(max_length=40, blank=True, default="")
    k2 = models.CharField(max_length=40, blank=True, default="")
    k3 = models.CharField(max_length=40, blank=True, default="")
    n = models.BigIntegerField(default=0)
    a1 = models.DecimalField(default=0, **MONEY)
    a2 = models.DecimalField(default=0, **MONEY)

    class Meta:
        verbose_name = _("统计汇总")
        verbose_name_plural = _("统计汇总")
        constraints = [
            models.UniqueConstraint(fields=["metric", "branch", "period", "k1", "k2", "k3"],
                                    name="stats_figure_one_cell"),
        ]
        indexes = [models.Index(fields=["branch", "metric", "period"], name="stats_figure_read_idx")]

    def __str__(self) -> str:
        return f"{self.metric} {self.branch_id} {self.period}"


class Refresh(models.Model):
    """The last rebuild of each metric: when, how long it took, how many rows it wrote (the page says how old its
    figures are; the benchmark reads the times)."""

    metric = models.CharField(_("指标"), max_length=30, primary_key=True)
    finished_at = models.DateTimeField(_("完成时间"), default=timezone.now)
    took_ms = models.PositiveIntegerField(_("耗时（毫秒）"), default=0)
    rows = models.PositiveIntegerField(_("行数"), default=0)

    class Meta:
        verbose_name = _("统计刷新")
        verbose_name_plural = _("统计刷新")

    def __str__(self) -> str:
        return self.metric


class FundWarning(models.Model):
    """A warning sent to finance staff that a plan's projected year-end balance is below its threshold; one per
    plan and month, so a refresh every few minutes does not repeat it."""

    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="+", verbose_name=_("方案"))
    month = models.DateField(_("月份"))
    projected_balance = models.DecimalField(_("预计年末余额（元）"), **MONEY)
    threshold = models.DecimalField(_("预警余额（元）"), **MONEY)
    created_at = models.DateTimeField(_("发出时间"), default=timezone.now)

    class Meta:
        verbose_name = _("基金预警")
        verbose_name_plural = _("基金预警")
        constraints = [models.UniqueConstraint(fields=["plan", "month"], name="stats_fund_warning_once_a_month")]

    def __str__(self) -> str:
        return f"{self.plan_id} {self.month:%Y-%m}"
