import random

import pytest

from stations import geo


def test_forward_transform_matches_the_published_value_for_tiananmen():
    # The commonly cited pair: WGS-84 (39.908692, 116.397477) is GCJ-02 (39.910095, 116.403721).
    lat, lng = geo.wgs84_to_gcj02(39.908692, 116.397477)
    assert lat == pytest.approx(39.910095, abs=2e-6)
    assert lng == pytest.approx(116.403721, abs=2e-6)


def test_offset_inside_china_is_hundreds_of_metres():
    lat, lng = 24.4660, 118.1190  # Xiamen
    g_lat, g_lng = geo.wgs84_to_gcj02(lat, lng)
    assert 100 < geo.haversine_km(lat, lng, g_lat, g_lng) * 1000 < 1000


def test_round_trip_error_is_under_one_metre_across_china():
    rng = random.Random(7)
    worst = 0.0
    checked = 0
    while checked < 2000:
        lat, lng = rng.uniform(18.0, 53.0), rng.uniform(74.0, 134.0)
        gcj = geo.wgs84_to_gcj02(lat, lng)
        # Within the offset (< 1 km) of the border a GCJ-02 point has two preimages, one on each side;
        # those few border points are not what the inverse is for.
        if geo.out_of_china(lat, lng) or geo.out_of_china(*gcj):
            continue
        back = geo.gcj02_to_wgs84(*gcj)
        worst = max(worst, geo.haversine_km(lat, lng, *back) * 1000)
        checked += 1
    assert worst < 1.0
    assert worst < 0.01  # in fact well under a centimetre


@pytest.mark.parametrize(
    "point",
    [(51.5074, -0.1278), (35.6762, 139.6503), (-33.87, 151.21), (1.3521, 103.8198), (37.5665, 126.978),
     (25.033, 121.5654)],  # London, Tokyo, Sydney, Singapore, Seoul, Taipei
)
def test_no_offset_outside_china(point):
    assert geo.wgs84_to_gcj02(*point) == point
    assert geo.gcj02_to_wgs84(*point) == point


def test_haversine_known_distance():
    # Xiamen to Fuzhou, about 210 km as the crow flies.
    assert geo.haversine_km(24.4798, 118.0894, 26.0745, 119.2965) == pytest.approx(212, abs=5)
    assert geo.haversine_km(24.0, 118.0, 24.0, 118.0) == 0


def test_bounding_box_holds_the_whole_circle():
    rng = random.Random(3)
    lat, lng, radius = 45.0, 120.0, 25.0
    min_lat, max_lat, min_lng, max_lng = geo.bounding_box(lat, lng, radius)
    for _ in range(2000):
        p_lat, p_lng = rng.uniform(lat - 1, lat + 1), rng.uniform(lng - 1.5, lng + 1.5)
        if geo.haversine_km(lat, lng, p_lat, p_lng) <= radius:
            assert min_lat <= p_lat <= max_lat and min_lng <= p_lng <= max_lng


@pytest.mark.parametrize("point", [(39.9087, 116.3975), (24.4660, 118.1190), (43.8256, 87.6168), (18.2528, 109.5119)])
def test_chinese_cities_are_inside(point):
    assert not geo.out_of_china(*point)  # Beijing, Xiamen, Urumqi, Sanya
