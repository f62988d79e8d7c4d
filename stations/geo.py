"""Coordinates: distance on the sphere and the GCJ-02 datum used by Chinese map apps.

Stations are stored in WGS-84 (what GPS and the browser's geolocation give). Amap, Tencent and Baidu (with
coord_type=gcj02) speak GCJ-02, an obfuscated datum offset by up to a few hundred metres inside mainland
China and equal to WGS-84 outside it. `wgs84_to_gcj02` is the published forward transform;
`gcj02_to_wgs84` inverts it by fixed-point iteration (the forward transform has no closed-form inverse),
to well under a centimetre.
"""

import math

EARTH_RADIUS_KM = 6371.0088  # mean radius (IUGG)

# Krasovsky 1940 ellipsoid, the one the GCJ-02 transform is defined on.
_A = 6378245.0
_EE = 0.00669342162296594323


def coordinates_in_range(lat: float, lng: float) -> bool:
    return -90.0 <= lat <= 90.0 and -180.0 <= lng <= 180.0


# Mainland China as a union of rectangles minus a few (Taiwan, the borders with Vietnam, Mongolia, Russia,
# Korea), each (west lng, north lat, east lng, south lat) — the finer test widely used with this transform,
# so that e.g. Singapore, Seoul or Taipei get no offset, which the single outer rectangle would give them.
_CHINA = [
    (79.446200, 49.220400, 96.330000, 42.889900),
    (109.687200, 54.141500, 135.000200, 39.374200),
    (73.124600, 42.889900, 124.143255, 29.529700),
    (82.968400, 29.529700, 97.035200, 26.718600),
    (97.025300, 29.529700, 124.367395, 20.414096),
    (107.975793, 20.414096, 111.744104, 17.871542),
]
_NOT_CHINA = [
    (119.921265, 25.398623, 122.497559, 21.785006),
    (101.865200, 22.284000, 106.665000, 20.098800),
    (106.452500, 21.542200, 108.051000, 20.487800),
    (109.032300, 55.817500, 119.127000, 50.325700),
    (127.456800, 55.817500, 137.022700, 49.557400),
    (131.266200, 44.892200, 137.022700, 42.569200),
]


def _in(rectangles, lat: float, lng: float) -> bool:
    return any(west <= lng <= east and south <= lat <= north for west, north, east, south in rectangles)


def out_of_china(lat: float, lng: float) -> bool:
    """Where GCJ-02 equals WGS-84 (and where stations cannot be)."""
    return not _in(_CHINA, lat, lng) or _in(_NOT_CHINA, lat, lng)


def _transform_lat(x: float, y: float) -> float:
    ret = -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * math.sqrt(abs(x))
    ret += (20.0 * math.sin(6.0 * x * math.pi) + 20.0 * math.sin(2.0 * x * math.pi)) * 2.0 / 3.0
    ret += (20.0 * math.sin(y * math.pi) + 40.0 * math.sin(y / 3.0 * math.pi)) * 2.0 / 3.0
    ret += (160.0 * math.sin(y / 12.0 * math.pi) + 320.0 * math.sin(y * math.pi / 30.0)) * 2.0 / 3.0
    return ret


def _transform_lng(x: float, y: float) -> float:
    ret = 300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * math.sqrt(abs(x))
    ret += (20.0 * math.sin(6.0 * x * math.pi) + 20.0 * math.sin(2.0 * x * math.pi)) * 2.0 / 3.0
    ret += (20.0 * math.sin(x * math.pi) + 40.0 * math.sin(x / 3.0 * math.pi)) * 2.0 / 3.0
    ret += (150.0 * math.sin(x / 12.0 * math.pi) + 300.0 * math.sin(x / 30.0 * math.pi)) * 2.0 / 3.0
    return ret


def wgs84_to_gcj02(lat: float, lng: float) -> tuple[float, float]:
    """WGS-84 → GCJ-02 (lat, lng). Unchanged outside China."""
    if out_of_china(lat, lng):
        return lat, lng
    d_lat = _transform_lat(lng - 105.0, lat - 35.0)
    d_lng = _transform_lng(lng - 105.0, lat - 35.0)
    rad_lat = lat / 180.0 * math.pi
    magic = 1 - _EE * math.sin(rad_lat) ** 2
    sqrt_magic = math.sqrt(magic)
    d_lat = (d_lat * 180.0) / ((_A * (1 - _EE)) / (magic * sqrt_magic) * math.pi)
    d_lng = (d_lng * 180.0) / (_A / sqrt_magic * math.cos(rad_lat) * math.pi)
    return lat + d_lat, lng + d_lng


def gcj02_to_wgs84(
    lat: float, lng: float, *, tolerance_deg: float = 1e-10, max_iterations: int = 30
) -> tuple[float, float]:
    """GCJ-02 → WGS-84 (lat, lng) by iteration: guess, push the guess forward, move it by the miss.

    The offset changes slowly with position, so each step cuts the miss by orders of magnitude; 1e-10°
    is about 0.01 mm. Unchanged outside China. (Within the offset of the border — under a kilometre — a
    GCJ-02 point has two preimages, one on each side; the one on the input's side is returned.)"""
    if out_of_china(lat, lng):
        return lat, lng
    w_lat, w_lng = lat, lng
    for _ in range(max_iterations):
        g_lat, g_lng = wgs84_to_gcj02(w_lat, w_lng)
        miss_lat, miss_lng = g_lat - lat, g_lng - lng
        if abs(miss_lat) < tolerance_deg and abs(miss_lng) < tolerance_deg:
            break
        w_lat, w_lng = w_lat - miss_lat, w_lng - miss_lng
    return w_lat, w_lng


def haversine_km(lat1: float, lng1: float, lat2: float, lng2: float) -> float:
    """Great-circle distance in kilometres."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    d_lat = p2 - p1
    d_lng = math.radians(lng2 - lng1)
    h = math.sin(d_lat / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(d_lng / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(h)))


def bounding_box(lat: float, lng: float, radius_km: float) -> tuple[float, float, float, float]:
    """(min_lat, max_lat, min_lng, max_lng) of a box that holds every point within radius_km of (lat, lng).

    Latitude degrees are ~111.2 km everywhere; a longitude degree shrinks with cos(lat), so the box widens
    towards the poles (taken at the box's edge nearest the pole, so the circle always fits)."""
    d_lat = math.degrees(radius_km / EARTH_RADIUS_KM)
    min_lat, max_lat = max(-90.0, lat - d_lat), min(90.0, lat + d_lat)
    widest = max(abs(min_lat), abs(max_lat))
    cos_lat = math.cos(math.radians(widest))
    if cos_lat < 1e-6:
        return min_lat, max_lat, -180.0, 180.0
    d_lng = min(180.0, math.degrees(radius_km / (EARTH_RADIUS_KM * cos_lat)))
    return min_lat, max_lat, lng - d_lng, lng + d_lng
