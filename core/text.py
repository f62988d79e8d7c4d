"""Text people type that must say something: a name made only of spaces and invisible characters (zero-width
spaces, joiners, direction marks, a byte-order mark) looks empty on every page, letter and payout file, yet
passes `required` and `strip()`.
"""

import unicodedata

from django.core.exceptions import ValidationError
from django.utils.functional import lazy
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

# Format characters (Cf: zero-width space and joiners, direction marks, BOM), separators, controls, and
# unassigned or private code points show nothing on their own.
_INVISIBLE_CATEGORIES = {"Cf", "Cc", "Cs", "Co", "Cn", "Zs", "Zl", "Zp"}
# Hangul fillers and braille blank render as nothing too, though Unicode files them as letters or symbols.
_BLANK_LOOKING = {"\u115f", "\u1160", "\u3164", "\uffa0", "\u2800"}


def is_invisible(ch: str) -> bool:
    return ch in _BLANK_LOOKING or unicodedata.category(ch) in _INVISIBLE_CATEGORIES or ch.isspace()


def visible_strip(value: str) -> str:
    """`value` without invisible characters at either end (inside, a joiner may belong to the text)."""
    start, end = 0, len(value)
    while start < end and is_invisible(value[start]):
        start += 1
    while end > start and is_invisible(value[end - 1]):
        end -= 1
    return value[start:end]


def validate_visible(value: str) -> None:
    """A validator for names: refuses a value with no visible character at all (an empty one is `blank`'s
    business, not this validator's)."""
    if value and not visible_strip(value):
        raise ValidationError(_("请填写看得见的文字：不能只有空格或不可见字符。"), code="invisible")


def masked_name(name: str) -> str:
    """A person's name for a public page: the first character, then one * for each other (张三丰 → 张**)."""
    name = visible_strip(str(name or ""))
    return name[0] + "*" * (len(name) - 1) if name else ""


# Marks that already set a title apart: a title such as 周末亲子电影《熊出没·逆转时空》 carries its own, and
# wrapping it again reads 《周末亲子电影《熊出没·逆转时空》》.
_TITLE_MARKS = set("《》〈〉“”\"")


def book_title(title: str, *, language: str | None = None) -> str:
    """`title` set apart as a title in the language (the active one unless given): 《title》 in Chinese,
    “title” in English, or as it is when it already holds title marks or quotes of its own."""
    title = str(title or "")
    if not title or _TITLE_MARKS.intersection(title):
        return title
    if (language or get_language() or "zh-hans").startswith("zh"):
        return f"《{title}》"
    return f"“{title}”"


def book_title_lazy(title: str):
    """book_title for a message written later in its reader's language
    (members.notifications.services.recipient_text)."""
    return lazy(book_title, str)(title)
