"""Numbers in any digits are one number: a full-width (or Arabic-Indic) copy of an existing ID number is the same
person, and mobiles and bank accounts are stored in ASCII digits. Personas: a branch admin registering a member,
the member typing on a Chinese input method, a visitor, and someone trying to register one person twice."""

import pytest
from django.core.exceptions import ValidationError

from core.digits import ascii_digits
from members.id_numbers import normalize_id_number, parse_id_number
from members.models import normalize_mobile

ID = "11010519491231002X"
FULL_WIDTH_ID = "１１０１０５１９４９１２３１００２Ｘ"
ARABIC_INDIC = "١١٠١٠٥١٩٤٩١٢٣١٠٠٢X"


def test_every_kind_of_digit_becomes_ascii():
    assert ascii_digits(FULL_WIDTH_ID) == ID
    assert ascii_digits(ARABIC_INDIC) == ID
    assert ascii_digits("१३८००१३८०००") == "13800138000"  # Devanagari


@pytest.mark.parametrize("typed", [FULL_WIDTH_ID, ARABIC_INDIC, " 110105 19491231 002x "])
def test_an_id_number_typed_any_way_is_stored_in_one_form(typed):
    assert normalize_id_number(typed) == ID
    assert parse_id_number(typed)[0] == ID


@pytest.mark.parametrize("junk", ["11010519491231002", "1101051949123100２Y", "11010519491231002X1", "一一〇"])
def test_junk_is_refused_with_a_message(junk):
    with pytest.raises(ValidationError) as error:
        parse_id_number(junk)
    assert "身份证号码" in error.value.messages[0]


def test_a_full_width_mobile_is_the_ascii_number():
    assert normalize_mobile("１３８ ００１３ ８０００") == "13800138000"
    with pytest.raises(ValidationError):
        normalize_mobile("1380013800０0x")


def test_a_full_width_copy_of_a_members_id_number_is_found_as_the_same_person(org_tree, member_factory,
                                                                              user_factory):
    """Someone applies to join with a full-width copy of an existing member's ID number: refused as already a
    member, no second member row."""
    from members.models import Member, MembershipApplication
    from members.organisation.services import MembershipError, membership_apply

    existing = member_factory(branch=org_tree.base_a1)
    full_width = existing.id_number.translate({ord(c): ord(c) + 0xFEE0 for c in "0123456789X"})
    assert full_width != existing.id_number and normalize_id_number(full_width) == existing.id_number
    with pytest.raises(MembershipError) as error:
        membership_apply(user=user_factory(), branch_id=org_tree.base_a2.pk, name="某人", id_number=full_width,
                         mobile="13912340000")
    assert "已登记为会员" in error.value.message
    assert Member.objects.filter(id_number=existing.id_number).count() == 1
    assert not MembershipApplication.objects.exists()
