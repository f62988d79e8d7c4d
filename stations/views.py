"""Pages: the public finder (list + map), a station, the visit scan, ratings and needs; staff poster and
visit statistics. Thin doors onto selectors and services."""

import io
from datetime import timedelta

import qrcode
import qrcode.image.svg
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db import transaction
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from . import selectors, services
from .forms import NeedForm, RatingForm, StationFilterForm, VisitForm
from .models import Need, Rating, Station, StationPhoto, Visit

PAGE_SIZE = 20
NEAREST_ON_PAGE = 20
DEFAULT_TILE_URL = "https://tile.openstreetmap.org/{z}/{x}/{y}.png"
DEFAULT_TILE_ATTRIBUTION = "© OpenStreetMap contributors"


def map_settings() -> dict:
    """Read at request time so deployments choose their own tile server (STATION_MAP_TILE_URL); tiles
    served in GCJ-02 (Amap, Tencent) need markers shifted, which STATION_MAP_TILE_GCJ02 turns on."""
    return {
        "tile_url": getattr(settings, "STATION_MAP_TILE_URL", DEFAULT_TILE_URL),
        "attribution": getattr(settings, "STATION_MAP_TILE_ATTRIBUTION", DEFAULT_TILE_ATTRIBUTION),
        "gcj02": bool(getattr(settings, "STATION_MAP_TILE_GCJ02", False)),
    }


def _marker(station: Station, gcj02: bool) -> dict:
    from .geo import wgs84_to_gcj02

    lat, lng = wgs84_to_gcj02(station.lat, station.lng) if gcj02 else (station.lat, station.lng)
    return {
        "id": station.pk, "name": station.name, "lat": round(lat, 6), "lng": round(lng, 6),
        "url": reverse("stations:detail", args=[station.pk]), "open": bool(station.open_now),
        "distance_km": round(station.distance_km, 2) if hasattr(station, "distance_km") else None,
    }


@transaction.non_atomic_requests  # a read: outside a transaction the nearest search uses the shared index
def station_list(request):
    """The finder. Without a position: active stations by district, paginated. With a position (the
    browser's, sent by the small script, or the centre of a chosen district): the nearest, with distances."""
    district_names = selectors.districts()
    form = StationFilterForm(request.GET or None, districts=district_names)
    filters = form.cleaned_data if form.is_valid() else {}
    base = selectors.stations_filtered(
        kind=filters.get("kind", ""), amenities=filters.get("amenity", []), open_now=filters.get("open_now", False)
    )
    origin, origin_label = None, ""
    # A district chosen in the form wins over a position sent earlier (the script clears the district when
    # it sends the browser's position).
    if filters.get("district"):
        origin = selectors.district_centre(filters["district"])
        origin_label = filters["district"]
    elif filters.get("lat") is not None and filters.get("lng") is not None:
        origin, origin_label = (filters["lat"], filters["lng"]), _("您的位置")
    page = None
    if origin is not None:
        stations = selectors.stations_nearest(
            lat=origin[0], lng=origin[1], limit=NEAREST_ON_PAGE, max_km=selectors.NEAREST_DEFAULT_MAX_KM,
            kind=filters.get("kind", ""), amenities=filters.get("amenity", []),
            open_now=filters.get("open_now", False),
        ).stations
    else:
        paginator = Paginator(base, PAGE_SIZE)
        page = paginator.get_page(request.GET.get("page"))
        stations = selectors.stations_decorate(page.object_list)
    tiles = map_settings()
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "stations/list.html",
        {
            "form": form, "stations": stations, "page": page, "origin": origin, "origin_label": origin_label,
            "markers": [_marker(s, tiles["gcj02"]) for s in stations], "tiles": tiles,
            "querystring": query.urlencode(),
        },
    )


def station_detail(request, pk: int):
    station = get_object_or_404(Station, pk=pk, is_active=True)
    selectors.stations_decorate([station])
    today = timezone.localdate()
    ratings = list(Rating.objects.filter(station=station).select_related("user")[:20])
    can_rate = (
        request.user.is_authenticated
        and Visit.objects.filter(station=station, mobile=request.user.mobile, rating__isnull=True).exists()
    )
    return render(
        request,
        "stations/detail.html",
        {
            "station": station,
            "hours": station.weekly_hours,
            "exceptions": list(station.exceptions.filter(date__gte=today, date__lte=today + timedelta(days=60))),
            "photos": list(station.photos.all()),
            "services": list(station.services.filter(is_active=True)),
            "resources": list(station.resources.filter(is_active=True)),
            "ratings": ratings,
            "can_rate": can_rate,
            "nav": selectors.nav_links(station),
        },
    )


def station_photo(request, pk: int, photo_id: int):
    """Station photos are public, but media files have no public route: served here, only for active stations."""
    # station__pk, not station_id: the foreign key's own column has no overflow guard, so a 20-digit id in the
    # address reached the database driver (a 500 on SQLite); the primary key's lookup finds nothing instead.
    photo = get_object_or_404(StationPhoto, pk=photo_id, station__pk=pk, station__is_active=True)
    try:
        return FileResponse(photo.image.open("rb"))
    except FileNotFoundError as e:
        raise Http404 from e


@require_http_methods(["GET", "POST"])
def visit_scan(request, pk: int, token: str):
    """Where the poster's QR code leads: a worker records a visit (signed in, or with a mobile number)."""
    try:
        station = services.station_from_visit_token(station_id=pk, token=token)
    except services.StationError as e:
        return render(request, "stations/visit_invalid.html", {"message": e.message}, status=404)
    form = VisitForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.visit_record(
                station_id=pk, token=token, job_type=form.cleaned_data["job_type"],
                user=request.user, mobile=form.cleaned_data["mobile"],
            )
        except services.StationError as e:
            form.add_error(e.field if e.field in form.fields else None, e.message)
        else:
            messages.success(request, _("已登记到访，欢迎歇脚！"))
            return redirect("stations:detail", pk)
    status = 400 if request.method == "POST" else 200
    return render(request, "stations/visit.html", {"station": station, "form": form}, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def rate(request, pk: int):
    station = get_object_or_404(Station, pk=pk, is_active=True)
    form = RatingForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.rating_create(
                user=request.user, station_id=pk, score=form.cleaned_data["score"], comment=form.cleaned_data["comment"]
            )
        except services.StationError as e:
            form.add_error(None, e.message)
        else:
            messages.success(request, _("感谢您的评价！"))
            return redirect("stations:detail", pk)
    status = 400 if request.method == "POST" else 200
    return render(request, "stations/rate.html", {"station": station, "form": form}, status=status)


@require_http_methods(["GET", "POST"])
def needs(request, pk: int):
    """A service station's needs board: public without names, with the answers; members post here."""
    station = get_object_or_404(Station, pk=pk, is_active=True, kind=Station.Kind.SERVICE)
    form = NeedForm(request.POST or None)
    if request.method == "POST":
        if not request.user.is_authenticated:
            return redirect(f"{reverse('account_login')}?next={request.path}")
        if form.is_valid():
            try:
                services.need_create(user=request.user, station_id=pk, **form.cleaned_data)
            except services.StationError as e:
                form.add_error(None, e.message)
            else:
                messages.success(request, _("需求已提交，工作人员答复后会通知您。"))
                return redirect("stations:needs", pk)
    paginator = Paginator(Need.objects.filter(station=station).only(
        "category", "text", "status", "created_at", "answer", "answered_at"), PAGE_SIZE)
    page = paginator.get_page(request.GET.get("page"))
    status = 400 if request.method == "POST" else 200
    return render(request, "stations/needs.html", {"station": station, "form": form, "page": page}, status=status)


def _qr_svg(url: str) -> str:
    image = qrcode.make(url, image_factory=qrcode.image.svg.SvgPathImage, box_size=12, border=2)
    buffer = io.BytesIO()
    image.save(buffer)
    svg = buffer.getvalue().decode()
    return svg[svg.index("<svg"):]  # drop the XML declaration to inline it


@login_required
def poster(request, pk: int):
    """The printable QR poster: staff of the station's branch only (others 404)."""
    station = get_object_or_404(selectors.stations_managed_by(request.user), pk=pk)
    # The public address (SITE_URL), not the host the staff member happens to use: posters hang for years.
    path = reverse("stations:visit", args=[station.pk, services.station_visit_token(station)])
    url = f"{settings.SITE_URL.rstrip('/')}{path}"
    return render(request, "stations/poster.html", {"station": station, "qr_svg": _qr_svg(url), "url": url})


@login_required
def staff_visits(request):
    """Daily visit statistics of the stations the user manages."""
    stations = selectors.stations_managed_by(request.user)
    if not request.user.is_superuser and not stations.exists():
        raise Http404
    today = timezone.localdate()
    try:
        days = max(1, min(int(request.GET.get("days", 14)), 92))
    except ValueError:
        days = 14
    rows = selectors.visit_daily_counts(stations=stations, date_from=today - timedelta(days=days - 1), date_to=today)
    return render(request, "stations/staff_visits.html", {"rows": rows, "days": days})
