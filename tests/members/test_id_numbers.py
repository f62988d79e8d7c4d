import datetime

import pytest
from django.core.exceptions import ValidationError
from hypothesis import given
from hypothesis import strategies as st

from members.id_numbers import checksum_char, mask_id_number, parse_id_number

VALID = "11010519491231002X"  # the standard's own example: born 1949-12-31, female


def test_valid_number_gives_birth_date_and_gender():
    assert parse_id_number(VALID.lower()) == (VALID, datetime.date(1949, 12, 31), "F")


@pytest.mark.parametrize(
    ("value", "code"),
    [
        ("110105194912310021", "id_checksum"),
        ("11010519491331002X", "id_birth_date"),
        ("11010519490230002X", "id_birth_date"),
        ("1101051949123100", "id_shape"),
        ("11010519491231002Y", "id_shape"),
        ("", "id_shape"),
    ],
)
def test_bad_numbers_are_refused_with_a_reason(value, code):
    with pytest.raises(ValidationError) as error:
        parse_id_number(value)
    assert error.value.code == code


def test_birth_date_in_the_future_is_refused():
    first17 = "11010520990101001"
    with pytest.raises(ValidationError) as error:
        parse_id_number(first17 + checksum_char(first17), today=datetime.date(2026, 11, 29))
    assert error.value.code == "id_birth_date"


@given(st.dates(min_value=datetime.date(1920, 1, 1), max_value=datetime.date(2010, 12, 31)), st.integers(0, 999))
def test_any_number_with_the_right_checksum_parses(birth, serial):
    first17 = f"350203{birth:%Y%m%d}{serial:03d}"
    _number, parsed_birth, gender = parse_id_number(first17 + checksum_char(first17))
    assert parsed_birth == birth
    assert gender == ("M" if serial % 2 else "F")


def test_mask_keeps_only_the_ends():
    assert mask_id_number(VALID) == "110***********002X"
