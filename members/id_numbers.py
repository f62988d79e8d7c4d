"""Resident ID numbers (居民身份证号码, GB 11643-1999): 18 characters, the last a checksum digit or X."""

import datetime
import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from core.digits import ascii_digits

_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_CHECK_CHARS = "10X98765432"
_SHAPE = re.compile(r"^[0-9]{17}[0-9X]$")  # ASCII only: normalize_id_number turns other digits into these


def checksum_char(first17: str) -> str:
    return _CHECK_CHARS[sum(int(d) * w for d, w in zip(first17, _WEIGHTS, strict=True)) % 11]


def normalize_id_number(value: str) -> str:
    """The stored form: ASCII digits (full-width and other scripts' digits converted), no spaces, X upper-case."""
    return "".join(ascii_digits(value).split()).upper()


def parse_id_number(value: str, *, today: datetime.date | None = None) -> tuple[str, datetime.date, str]:
    """Validates an ID number and returns (normalised number, birth date, gender 'M'/'F').
    Raises ValidationError with a message a person can act on."""
    number = normalize_id_number(value)
    if not _SHAPE.match(number):
        raise ValidationError(_("身份证号码应为 18 位，前 17 位是数字，最后一位是数字或 X。"), code="id_shape")
    try:
        birth = datetime.date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        raise ValidationError(_("身份证号码中的出生日期不存在，请核对。"), code="id_birth_date") from None
    today = today or datetime.date.today()
    if birth > today or birth.year < 1900:
        raise ValidationError(_("身份证号码中的出生日期不可能，请核对。"), code="id_birth_date")
    if checksum_char(number[:17]) != number[17]:
        raise ValidationError(_("身份证号码校验位不正确，请核对是否输错。"), code="id_checksum")
    gender = "M" if int(number[16]) % 2 == 1 else "F"
    return number, birth, gender


def validate_id_number(value: str) -> None:
    parse_id_number(value)


def mask_id_number(value: str) -> str:
    """Shows the first 3 and last 4 characters: enough to tell two people apart on a list, not to misuse."""
    return f"{value[:3]}{'*' * 11}{value[-4:]}" if value and len(value) == 18 else "*" * len(value or "")
