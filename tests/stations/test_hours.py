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
