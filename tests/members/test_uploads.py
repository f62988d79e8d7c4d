"""A decompression bomb (a small file holding an enormous image) is refused from its header, before anything
decodes it: claim documents (the member's upload), menu item photos (palace staff) and station photos (station
managers)."""

import io

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from members.uploads import image_pixels_check


def make_bomb_png() -> bytes:
    """12,500 × 12,500 pixels (156 million) in a file of a few dozen KB: 470 MB once decoded to RGB."""
    out = io.BytesIO()
    Image.new("1", (12_500, 12_500)).save(out, format="PNG", optimize=True)
    return out.getvalue()


@pytest.fixture(scope="module")
def bomb_png() -> bytes:
    return make_bomb_png()


def small_png(size=(800, 600)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, (200, 30, 30)).save(out, format="PNG")
    return out.getvalue()


def test_the_bomb_is_small_on_disk_and_refused_from_its_header(bomb_png):
    assert len(bomb_png) < 500_000
    with pytest.raises(ValidationError) as error:
        image_pixels_check(io.BytesIO(bomb_png))
    assert "超过 40 百万像素" in error.value.messages[0]


def test_an_ordinary_photo_passes_and_the_file_is_left_at_its_start():
    handle = io.BytesIO(small_png())
    handle.seek(10)
    image_pixels_check(handle)
    assert handle.tell() == 0


def test_the_bound_is_a_setting(settings):
    settings.UPLOAD_IMAGE_MAX_PIXELS = 100_000
    with pytest.raises(ValidationError):
        image_pixels_check(io.BytesIO(small_png((800, 600))))


def test_pillow_itself_refuses_to_open_past_twice_the_bound(settings, bomb_png):
    """Any other path that opens an image is bounded too (set when the app is ready)."""
    assert settings.UPLOAD_IMAGE_MAX_PIXELS == Image.MAX_IMAGE_PIXELS
    with pytest.raises(Image.DecompressionBombError), Image.open(io.BytesIO(bomb_png)) as image:
        image.load()


@pytest.mark.django_db
def test_palace_staff_uploading_the_bomb_as_a_menu_photo_get_a_field_message(org_tree, bomb_png):
    from culture.models import ItemImage
    from tests.culture.factories import MenuItemFactory

    image = ItemImage(item=MenuItemFactory(branch=org_tree.city),
                      image=SimpleUploadedFile("poster.png", bomb_png, "image/png"))
    with pytest.raises(ValidationError) as error:
        image.full_clean()
    assert "百万像素" in error.value.message_dict["image"][0]


@pytest.mark.django_db
def test_a_station_manager_uploading_the_bomb_as_a_station_photo_gets_a_field_message(org_tree, bomb_png):
    from stations.models import StationPhoto
    from tests.stations.factories import StationFactory

    photo = StationPhoto(station=StationFactory(branch=org_tree.district_a),
                         image=SimpleUploadedFile("front.png", bomb_png, "image/png"))
    with pytest.raises(ValidationError) as error:
        photo.full_clean()
    assert "百万像素" in error.value.message_dict["image"][0]
