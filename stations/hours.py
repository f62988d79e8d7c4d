"""Opening hours as data: checking a week's intervals, and the short text form used in imports.

Text form: `1-5 08:00-18:00; 6,7 09:00-12:00; 1-7 22:00-次日06:00` — weekdays 1 (Monday) to 7 (Sunday) as
ranges or lists, then an interval; a closing time prefixed with 次日 or + is on the next day
(`00:00-次日00:00` is the whole day).
"""

import re
import zoneinfo
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import NamedTuple

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext

LOCAL_TZ = zoneinfo.ZoneInfo("Asia/Shanghai")
MINUTES_PER_DAY = 24 * 60
MINUTES_PER_WEEK = 7 * MINUTES_PER_DAY


class HoursError(ValueError):
    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class Interval:
    weekday: int  # 0 = Monday
    opens: time
    closes: time
    closes_next_day: bool = False

    def week_minutes(self) -> tuple[int, int]:
        start = self.weekday * MINUTES_PER_DAY + self.opens.hour * 60 + self.opens.minute
        end = self.weekday * MINUTES_PER_DAY + self.closes.hour * 60 + self.closes.minute
        if self.closes_next_day:
            end += MINUTES_PER_DAY
        return start, end


WEEKDAY_NAMES = [
    gettext_lazy("周一"), gettext_lazy("周二"), gettext_lazy("周三"), gettext_lazy("周四"),
    gettext_lazy("周五"), gettext_lazy("周六"), gettext_lazy("周日"),
]


def _describe(interval: Interval) -> str:
    next_day = _("次日") if interval.closes_next_day else ""
    return f"{WEEKDAY_NAMES[interval.weekday]} {interval.opens:%H:%M}–{next_day}{interval.closes:%H:%M}"


def interval_check(interval: Interval) -> None:
    """One interval on its own: it must end after it starts (on the same day unless marked next day)."""
    if not 0 <= interval.weekday <= 6:
        raise HoursError(_("星期必须在周一到周日之间。"))
    if interval.closes_next_day:
        if interval.closes > interval.opens:
            raise HoursError(
                _("%(interval)s：跨夜时段的次日关门时间不能晚于开门时间（超过 24 小时）。")
            % {"interval": _describe(interval)}
            )
    elif interval.closes <= interval.opens:
        raise HoursError(
            _("%(interval)s：关门时间早于或等于开门时间；如营业到次日，请勾选“次日关门”。")
            % {"interval": _describe(interval)}
        )


def hours_validate(intervals: list[Interval]) -> None:
    """A week's intervals: each valid, and no two overlapping — also across midnight and from Sunday night
    into Monday."""
    spans = []
    for interval in intervals:
        interval_check(interval)
        start, end = interval.week_minutes()
        spans.append((start, end, interval))
        if end > MINUTES_PER_WEEK:  # Sunday night running into Monday morning
            spans.append((start - MINUTES_PER_WEEK, end - MINUTES_PER_WEEK, interval))
    spans.sort(key=lambda s: (s[0], s[1]))
    latest_end, latest = None, None  # the interval reaching furthest so far
    for start, end, interval in spans:
        if latest is not None and start < latest_end and interval is not latest:
            raise HoursError(_("开放时间重叠：%(a)s 与 %(b)s。") % {"a": _describe(latest), "b": _describe(interval)})
        if latest is None or end > latest_end:
            latest_end, latest = end, interval


_TIME = r"(\d{1,2}):(\d{2})"
_ENTRY = re.compile(rf"^\s*([1-7](?:\s*[-,，、]\s*[1-7])*)\s+{_TIME}\s*[-–~至]\s*(次日|\+)?\s*{_TIME}\s*$")


def _parse_time(hours: str, minutes: str) -> time:
    h, m = int(hours), int(minutes)
    if not (0 <= h <= 23 and 0 <= m <= 59):
        raise HoursError(_("时间 %(t)s 无效。") % {"t": f"{hours}:{minutes}"})
    return time(h, m)


def _parse_days(text: str) -> list[int]:
    days: set[int] = set()
    for part in re.split(r"\s*[,，、]\s*", text.strip()):
        if "-" in part:
            first, last = (int(x) for x in part.split("-"))
            if first > last:
                raise HoursError(_("星期范围 %(r)s 无效。") % {"r": part})
            days.update(range(first, last + 1))
        else:
            days.add(int(part))
    return sorted(d - 1 for d in days)


def hours_parse(text: str) -> list[Interval]:
    """The import text form → checked intervals. Raises HoursError with a readable message."""
    intervals: list[Interval] = []
    for entry in re.split(r"[;；\n]", text or ""):
        if not entry.strip():
            continue
        match = _ENTRY.match(entry)
        if not match:
            raise HoursError(
                _("无法识别“%(entry)s”，应写成“1-5 08:00-18:00”（1 为周一，7 为周日）。") % {"entry": entry.strip()}
            )
        days_text, oh, om, next_day, ch, cm = match.groups()
        opens, closes = _parse_time(oh, om), _parse_time(ch, cm)
        for weekday in _parse_days(days_text):
            intervals.append(Interval(weekday, opens, closes, bool(next_day)))
    hours_validate(intervals)
    return intervals


def hours_format(intervals) -> str:
    """Intervals (model rows or Interval) → the text form, one entry per weekday and interval."""
    parts = []
    for i in intervals:
        next_day = "次日" if i.closes_next_day else ""
        parts.append(f"{i.weekday + 1} {i.opens:%H:%M}-{next_day}{i.closes:%H:%M}")
    return "; ".join(parts)


def local_now(now: datetime | None = None) -> datetime:
    """Opening hours are wall-clock times in Asia/Shanghai, whatever the server's time zone."""
    return (now or timezone.now()).astimezone(LOCAL_TZ)


class HoursRow(NamedTuple):
    """A weekly row (date None) or an exception row (weekday None), as open_at reads them: what the search
    keeps of OpeningHours and HoursException."""

    weekday: int | None
    date: date | None
    is_closed: bool
    opens: time | None
    closes: time | None
    closes_next_day: bool


def as_time(value):
    """A time column as a time (SQLite's raw cursor answers text)."""
    return time.fromisoformat(value) if isinstance(value, str) else value


def as_date(value):
    return date.fromisoformat(value) if isinstance(value, str) else value


def open_at(weekly_rows, exception_rows, when) -> bool:
    """Whether a station is open at `when` (an aware datetime already in Asia/Shanghai), from its weekly rows
    and its exception rows (those of `when`'s date and the day before are enough). The same rule as
    selectors.open_now_q, which filters in SQL; tests hold the two to agreement.

    An exception replaces its date's weekly rows; an interval past midnight belongs to the day it starts,
    so yesterday's late interval still counts this morning."""
    today, t = when.date(), when.time().replace(second=0, microsecond=0)
    exceptions = {e.date: e for e in exception_rows}

    def intervals(day):
        exception = exceptions.get(day)
        if exception is not None:
            return [] if exception.is_closed else [exception]
        return [row for row in weekly_rows if row.weekday == day.weekday()]

    if any(r.opens <= t and (r.closes_next_day or t < r.closes) for r in intervals(today)):
        return True
    return any(r.closes_next_day and t < r.closes for r in intervals(today - timedelta(days=1)))


# --- hours as people say them -------------------------------------------------------------------------------

# How far ahead the status looks for the next opening or closing: a station open through all of it is open
# around the clock; one that does not open within it gets no "opens at" line.
STATUS_HORIZON_DAYS = 7


def _whole_day(row) -> bool:
    return row.closes_next_day and row.opens == row.closes == time(0)


def interval_text(row) -> str:
    """"08:00–18:00", "22:00–次日06:00", or "24 小时" for 00:00 to the next day's 00:00."""
    if _whole_day(row):
        return _("24 小时")
    if row.closes_next_day:
        return _("%(opens)s–次日%(closes)s") % {"opens": f"{row.opens:%H:%M}", "closes": f"{row.closes:%H:%M}"}
    return f"{row.opens:%H:%M}–{row.closes:%H:%M}"


def _list_separator() -> str:
    return pgettext("list separator", "、")


def _days_text(days: list[int]) -> str:
    """Weekdays (0 = Monday) as runs: [0, 1, 2, 3, 4, 6] → "周一至周五、周日"; two in a row stay a list."""
    runs: list[list[int]] = []
    for day in sorted(days):
        if runs and runs[-1][-1] == day - 1:
            runs[-1].append(day)
        else:
            runs.append([day])
    parts = []
    for run in runs:
        if len(run) >= 3:
            parts.append(_("%(first)s至%(last)s") % {"first": WEEKDAY_NAMES[run[0]], "last": WEEKDAY_NAMES[run[-1]]})
        else:
            parts.extend(str(WEEKDAY_NAMES[d]) for d in run)
    return _list_separator().join(parts)


def week_summary(weekly_rows) -> list[tuple[str, str]]:
    """A week's rows as people say them: [(days, hours)], weekdays with the same hours together, split shifts
    on one line ("08:00–12:00、14:00–18:00"), the days without hours listed as closed ("周日", "休息");
    "每天" when all seven days agree. No rows at all: an empty list (the hours are not published)."""
    rows = list(weekly_rows)
    if not rows:
        return []
    by_day: dict[int, tuple] = {}
    for day in range(7):
        shifts = sorted((r for r in rows if r.weekday == day), key=lambda r: r.opens)
        by_day[day] = tuple((r.opens, r.closes, r.closes_next_day) for r in shifts)
    groups: dict[tuple, list[int]] = {}
    for day in range(7):
        groups.setdefault(by_day[day], []).append(day)
    lines = []
    # Open days first, in the order of their first weekday; the closed days last.
    for shifts, days in sorted(groups.items(), key=lambda g: (not g[0], g[1][0])):
        label = _("每天") if len(days) == 7 else _days_text(days)
        shift_texts = [interval_text(Interval(days[0], *shift)) for shift in shifts]
        lines.append((label, _list_separator().join(shift_texts) if shifts else _("休息")))
    return lines


def _day_intervals(weekly_rows, exceptions: dict, day):
    exception = exceptions.get(day)
    if exception is not None:
        return [] if exception.is_closed else [exception]
    return [row for row in weekly_rows if row.weekday == day.weekday()]


def open_spans(weekly_rows, exception_rows, when, *, days: int = STATUS_HORIZON_DAYS):
    """The open stretches [(start, end)] from yesterday to `days` days ahead of `when` (aware, Asia/Shanghai),
    as wall-clock datetimes, with touching or overlapping intervals joined (a week of 24-hour days is one
    stretch). The same rule as open_at: an exception replaces its date's rows; an interval past midnight
    belongs to the day it starts."""
    exceptions = {e.date: e for e in exception_rows}
    tz = when.tzinfo
    today = when.date()
    spans = []
    for offset in range(-1, days + 1):
        day = today + timedelta(days=offset)
        for row in _day_intervals(weekly_rows, exceptions, day):
            start = datetime.combine(day, row.opens, tzinfo=tz)
            end = datetime.combine(day + timedelta(days=1) if row.closes_next_day else day, row.closes, tzinfo=tz)
            spans.append((start, end))
    spans.sort()
    joined: list[list] = []
    for start, end in spans:
        if joined and start <= joined[-1][1]:
            joined[-1][1] = max(joined[-1][1], end)
        else:
            joined.append([start, end])
    return [(start, end) for start, end in joined]


def _when_text(moment, today) -> str:
    """"今天 18:00", "明天 08:00", "周三 08:00"; midnight ending a day is that day's 24:00."""
    day, clock = moment.date(), f"{moment:%H:%M}"
    if moment.time() == time(0):
        day, clock = day - timedelta(days=1), "24:00"
    if day == today:
        return _("今天 %(time)s") % {"time": clock}
    if day == today + timedelta(days=1):
        return _("明天 %(time)s") % {"time": clock}
    return _("%(day)s %(time)s") % {"day": WEEKDAY_NAMES[day.weekday()], "time": clock}


def hours_status(weekly_rows, exception_rows, when) -> str:
    """What a person wants to know right now: "24 小时开放" (open through the coming week), "今天 18:00 关门",
    "明天 08:00 开门", "周一 08:00 开门"; "" when the station does not open in the coming week. `when` is an
    aware datetime in Asia/Shanghai; the exception rows must cover yesterday to STATUS_HORIZON_DAYS ahead."""
    now = when.replace(second=0, microsecond=0)
    # The last day looked at ends here: a stretch reaching it is open around the clock, as far as we know.
    horizon = now.replace(hour=0, minute=0) + timedelta(days=STATUS_HORIZON_DAYS + 1)
    for start, end in open_spans(weekly_rows, exception_rows, now):
        if start <= now < end:
            if end >= horizon:
                return _("24 小时开放")
            return _("%(when)s 关门") % {"when": _when_text(end, now.date())}
        if start > now:
            return _("%(when)s 开门") % {"when": _when_text(start, now.date())}
    return ""
