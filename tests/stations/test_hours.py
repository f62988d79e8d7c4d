from datetime import time

import pytest

from stations.hours import HoursError, Interval, hours_format, hours_parse, hours_validate


def test_parse_ranges_lists_and_past_midnight():
    intervals = hours_parse("1-5 08:00-18:00; 6,7 09:00-12:00；1 22:00-次日02:00")
    assert Interval(0, time(8), time(18)) in intervals
    assert Interval(6, time(9), time(12)) in intervals
    assert Interval(0, time(22), time(2), True) in intervals
    assert len(intervals) == 5 + 2 + 1


def test_whole_day_is_midnight_to_next_midnight():
    intervals = hours_parse("1-7 00:00-次日00:00")
    assert len(intervals) == 7
    hours_validate(intervals)


def test_format_reads_back_the_same():
    intervals = hours_parse("1-2 08:00-12:00; 3 20:00-+04:00")
    assert hours_parse(hours_format(intervals)) == intervals


@pytest.mark.parametrize(
    "text, fragment",
    [
        ("1 18:00-08:00", "关门时间早于或等于开门时间"),
        ("1 08:00-08:00", "关门时间早于或等于开门时间"),
        ("1 08:00-12:00; 1 11:00-14:00", "重叠"),
        ("1-5 08:00-18:00; 3 17:59-19:00", "重叠"),
        ("1 22:00-次日06:00; 2 05:00-09:00", "重叠"),  # Monday night runs into Tuesday morning
        ("7 22:00-次日06:00; 1 05:30-09:00", "重叠"),  # Sunday night runs into Monday morning
        ("1 22:00-次日23:00", "超过 24 小时"),
        ("周一 08:00-18:00", "无法识别"),
        ("1 25:00-26:00", "无效"),
        ("5-3 08:00-09:00", "无效"),
    ],
)
def test_bad_hours_are_refused_with_a_message(text, fragment):
    with pytest.raises(HoursError) as error:
        hours_parse(text)
    assert fragment in error.value.message


def test_adjacent_intervals_do_not_overlap():
    hours_validate(hours_parse("1 08:00-12:00; 1 12:00-14:00; 1 22:00-次日06:00; 2 06:00-08:00"))


# --- hours as people say them (#16.5) -------------------------------------------------------------------------

SHANGHAI = __import__("zoneinfo").ZoneInfo("Asia/Shanghai")


def _at(text: str):
    """A wall-clock moment in Shanghai: 2026-12-07 is a Monday."""
    from datetime import datetime

    return datetime.fromisoformat(text).replace(tzinfo=SHANGHAI)


def test_a_whole_day_reads_24_hours_not_midnight_to_next_midnight():
    from stations.hours import hours_status, week_summary

    week = hours_parse("1-7 00:00-次日00:00")
    assert week_summary(week) == [("每天", "24 小时")]
    assert hours_status(week, [], _at("2026-12-07T03:00")) == "24 小时开放"


def test_split_shifts_are_grouped_and_closed_days_listed():
    from stations.hours import week_summary

    week = hours_parse("1-5 08:00-12:00; 1-5 14:00-18:00; 6 09:00-12:00")
    assert week_summary(week) == [("周一至周五", "08:00–12:00、14:00–18:00"), ("周六", "09:00–12:00"),
                                  ("周日", "休息")]
    weekend_off = hours_parse("1-5 08:00-18:00")
    assert week_summary(weekend_off) == [("周一至周五", "08:00–18:00"), ("周六、周日", "休息")]
    nights = hours_parse("1-3 22:00-次日06:00; 5 22:00-次日06:00")
    assert week_summary(nights)[0] == ("周一至周三、周五", "22:00–次日06:00")
    assert week_summary([]) == []


@pytest.mark.parametrize("moment, status", [
    ("2026-12-07T10:00", "今天 12:00 关门"),  # Monday, open until the lunch break
    ("2026-12-07T15:00", "今天 18:00 关门"),
    ("2026-12-07T07:30", "今天 08:00 开门"),
    ("2026-12-07T12:30", "今天 14:00 开门"),  # the lunch break of a split shift
    ("2026-12-07T19:00", "明天 08:00 开门"),
    ("2026-12-11T19:00", "周一 08:00 开门"),  # Friday evening, closed at the weekend
])
def test_the_status_says_when_it_closes_or_opens_next(moment, status):
    from stations.hours import hours_status

    week = hours_parse("1-5 08:00-12:00; 1-5 14:00-18:00")
    assert hours_status(week, [], _at(moment)) == status


def test_the_status_follows_nights_past_midnight_and_holidays():
    from datetime import date

    from stations.hours import hours_status, open_at
    from stations.selectors import _HoursRow

    nights = hours_parse("1-7 22:00-次日06:00")
    assert hours_status(nights, [], _at("2026-12-07T23:00")) == "明天 06:00 关门"
    assert hours_status(nights, [], _at("2026-12-08T05:00")) == "今天 06:00 关门"
    until_midnight = hours_parse("1-7 08:00-次日00:00")
    assert hours_status(until_midnight, [], _at("2026-12-07T20:00")) == "今天 24:00 关门"
    # Tuesday closed for a holiday: on Monday evening the next opening is Wednesday's.
    day = hours_parse("1-7 08:00-18:00")
    holiday = [_HoursRow(None, date(2026, 12, 8), True, None, None, False)]
    assert hours_status(day, holiday, _at("2026-12-07T19:00")) == "周三 08:00 开门"
    # The status and open-now agree: every 75 minutes through a week.
    from datetime import timedelta

    week = hours_parse("1-5 08:00-12:00; 1-5 14:00-18:00; 6 22:00-次日02:00")
    moment = _at("2026-12-07T00:00")
    for _step in range(7 * 24 * 60 // 75):
        status = hours_status(week, [], moment)
        assert status.endswith("关门") == open_at(week, [], moment), moment
        moment += timedelta(minutes=75)


def test_a_station_that_never_opens_says_nothing_about_opening():
    from stations.hours import hours_status

    assert hours_status([], [], _at("2026-12-07T10:00")) == ""


def test_hours_read_in_english_too():
    from django.utils import translation

    from stations.hours import hours_status, week_summary

    with translation.override("en"):
        week = hours_parse("1-5 08:00-12:00; 1-5 14:00-18:00")
        assert week_summary(week) == [("Monday–Friday", "08:00–12:00, 14:00–18:00"),
                                      ("Saturday, Sunday", "Closed")]
        assert hours_status(week, [], _at("2026-12-07T19:00")) == "Opens tomorrow at 08:00"
        assert hours_status(week, [], _at("2026-12-11T19:00")) == "Opens Monday at 08:00"
        assert week_summary(hours_parse("1-7 00:00-次日00:00")) == [("Every day", "24 hours")]
