"""The member card: signed expiring token, public verification, QR on the page, PNG download."""

import io

import pytest
from django.core import signing
from django.urls import reverse
from PIL import Image

from members.models import Member
from members.organisation import cards


@pytest.fixture
def member(org_tree, member_factory):
    return member_factory(branch=org_tree.base_a1, name="李明华", member_number="M202600000007")


def verify(client, token):
    return client.get(reverse("members:card-verify", args=[token]))


def test_token_carries_the_member_id_never_the_id_number(member):
    token = cards.card_token_for(member)
    assert token.split(":")[0] == str(member.pk)
    assert member.id_number not in token


def test_public_verification_says_valid_with_a_masked_name(client, member):
    response = verify(client, cards.card_token_for(member))
    assert response.status_code == 200
    text = response.content.decode()
    assert "李** 是 鹭江机械有限公司工会 的有效会员" in text
    assert "李明华" not in text and member.id_number not in text and member.member_number not in text


def _token_made_hours_ago(member, hours, monkeypatch):
    real_time = signing.time.time
    monkeypatch.setattr(signing.time, "time", lambda: real_time() - hours * 3600)
    token = cards.card_token_for(member)
    monkeypatch.setattr(signing.time, "time", real_time)
    return token


def test_a_token_is_valid_for_24_hours_then_expires(client, member, monkeypatch):
    assert cards.card_check(_token_made_hours_ago(member, 23, monkeypatch)).valid
    token = _token_made_hours_ago(member, 25, monkeypatch)
    assert cards.card_check(token).reason == "expired"
    assert "无效" in verify(client, token).content.decode()


def test_a_forged_token_is_not_valid(client, member, member_factory, org_tree):
    other = member_factory(branch=org_tree.base_b1)
    forged = f"{other.pk}:" + cards.card_token_for(member).split(":", 1)[1]
    assert cards.card_check(forged).reason == "forged"
    assert cards.card_check("garbage").reason == "forged"
    signed_elsewhere = signing.TimestampSigner(salt="another.purpose").sign(str(member.pk))
    assert cards.card_check(signed_elsewhere).reason == "forged"
    assert "无效" in verify(client, forged).content.decode()


@pytest.mark.parametrize("status", [Member.Status.SUSPENDED, Member.Status.LEFT, Member.Status.TRANSFERRED_OUT])
def test_a_card_of_someone_no_longer_active_is_not_valid(client, member, status):
    token = cards.card_token_for(member)
    Member.objects.filter(pk=member.pk).update(status=status)
    assert cards.card_check(token).reason == "not_member"
    assert "无效" in verify(client, token).content.decode()


def test_card_page_shows_an_inline_qr_code_for_the_member(client, member):
    client.force_login(member.user)
    response = client.get(reverse("members:card"))
    text = response.content.decode()
    assert response.status_code == 200
    assert "<svg" in text and "M202600000007" in text and "李明华" in text
    assert member.id_number not in text
    assert response.context["verify_url"].startswith("http://testserver/card/verify/")


def test_card_page_without_membership(client, user_factory):
    client.force_login(user_factory())
    response = client.get(reverse("members:card"))
    assert response.status_code == 404 and "入会后即可使用电子会员卡" in response.content.decode()
    assert client.get(reverse("members:card-png")).status_code == 404


def _png(response):
    assert response["Content-Type"] == "image/png"
    return Image.open(io.BytesIO(response.content))


def test_png_without_a_cjk_font_has_the_qr_and_number_only(client, member, monkeypatch):
    monkeypatch.setattr(cards, "cjk_font_path", lambda: None)
    client.force_login(member.user)
    response = client.get(reverse("members:card-png"))
    assert response.status_code == 200
    assert "M202600000007" in response["Content-Disposition"]
    plain = _png(response)
    assert plain.width >= 480


def test_png_with_a_cjk_font_draws_name_and_branch_too(member):
    """Both paths: with a font (any TrueType font stands in here) the card gains the name and branch lines."""
    font = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"
    if not __import__("os").path.exists(font):
        pytest.skip("no TrueType font on this machine to stand in for a CJK one")
    url = "http://testserver/card/verify/x/"
    plain = Image.open(io.BytesIO(cards.card_png(member, verify_url=url, font_path="")))
    with_text = Image.open(io.BytesIO(cards.card_png(member, verify_url=url, font_path=font)))
    assert with_text.height > plain.height


def test_cjk_font_lookup_answers_a_path_or_none():
    cards.cjk_font_path.cache_clear()
    found = cards.cjk_font_path()
    assert found is None or found.endswith((".ttf", ".ttc", ".otf"))
