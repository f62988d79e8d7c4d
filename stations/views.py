"""Pages: the public finder (list + map), a station, the visit scan, ratings and needs; staff poster and
visit statistics. Thin doors onto selectors and services."""

import io
from datetime import timedelta
from urllib.parse import urlencode, urlsplit

import qrcode
import qrcode.image.svg
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db import transaction
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.template.defaultfilters import floatformat
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from core.errors import page_errors
from members.selectors import user_is_staff_of_any_branch

from . import selectors, services
from .forms import DEFAULT_RADIUS_KM, NeedForm, RatingForm, StationFilterForm, VisitForm
from .geo import wgs84_to_gcj02
from .hours import interval_text, week_summary
from .models import AMENITY_LABELS, JobType, Need, Rating, Station, StationPhoto, Visit

PAGE_SIZE = 20
NEAREST_ON_PAGE = 20


def map_settings() -> dict:
    """Read at request time so deployments choose their own tile server (STATION_MAP_TILE_URL); tiles served in
    GCJ-02 (AutoNavi, the default, and Tencent) need markers shifted, which STATION_MAP_TILE_GCJ02 turns on. The
    tile server's host is named on the page: the visitor's browser asks it for the map's pictures."""
    url = settings.STATION_MAP_TILE_URL
    subdomains = settings.STATION_MAP_TILE_SUBDOMAINS
    return {
        "tile_url": url,
        "subdomains": subdomains,
        "attribution": settings.STATION_MAP_TILE_ATTRIBUTION,
        "gcj02": bool(settings.STATION_MAP_TILE_GCJ02),
        "host": urlsplit(url.replace("{s}", (subdomains or "a")[0])).hostname or "",
    }


def _marker(station: Station, gcj02: bool) -> dict:

    lat, lng = wgs84_to_gcj02(station.lat, station.lng) if gcj02 else (station.lat, station.lng)
    return {
        "id": station.pk, "name": station.name, "lat": round(lat, 6), "lng": round(lng, 6),
        "url": reverse("stations:detail", args=[station.pk]), "open": bool(station.open_now),
        "distance_km": round(station.distance_km, 2) if hasattr(station, "distance_km") else None,
    }


def distance_text(km: float) -> str:
    """"850 米" below a kilometre, "1.2 公里" from there, "1702 公里" from 100 km."""
    if km < 1:
        return _("%(m)s 米") % {"m": round(km * 1000)}
    return _("%(km)s 公里") % {"km": floatformat(km, 1 if km < 100 else 0)}


def _filters_set(filters: dict, *, district_is_filter: bool) -> list[str]:
    """What narrows the search, as people read it: the text, the kind, the amenities, open now, the district."""
    labels = []
    if filters.get("q"):
        labels.append(_("“%(q)s”") % {"q": filters["q"]})
    if filters.get("kind"):
        labels.append(str(Station.Kind(filters["kind"]).label))
    labels.extend(str(AMENITY_LABELS[code]) for code in filters.get("amenity", []))
    if filters.get("open_now"):
        labels.append(_("正在开放"))
    if district_is_filter and filters.get("district"):
        labels.append(filters["district"])
    return labels


def _query(request, **changes) -> str:
    query = request.GET.copy()
    query.pop("page", None)
    for key, value in changes.items():
        query[key] = value
    return query.urlencode()


@transaction.non_atomic_requests  # a read: outside a transaction the search answers from the shared engine
def station_list(request):
    """The finder. Without a position: active stations by district and name, paginated. With the browser's
    position (sent by the small script): the nearest, with distances from the user. With a district and no
    position: that district's stations by their distance from its centre, said as such. A text query narrows
    every way. When nothing lies within the radius the page says why and names the nearest station beyond."""
    district_names = selectors.districts()
    form = StationFilterForm(request.GET or None, districts=district_names)
    filters = form.valid_filters()
    kind, amenities = filters.get("kind", ""), filters.get("amenity", [])
    open_now, district, q = filters.get("open_now", False), filters.get("district", ""), filters.get("q", "")
    radius_km = filters.get("radius_km") or DEFAULT_RADIUS_KM
    origin, from_centre = None, False
    # The user's position wins (the district then only narrows the list): distances are only ever shown from
    # the user, or said to be from the district's centre.
    if filters.get("lat") is not None and filters.get("lng") is not None:
        origin = (filters["lat"], filters["lng"])
    elif district and (centre := selectors.district_centre(district)) is not None:
        origin, from_centre = centre, True
    page, answer = None, None
    if origin is not None:
        answer = selectors.stations_find(
            lat=origin[0], lng=origin[1], radius_km=radius_km, limit=NEAREST_ON_PAGE, kind=kind,
            amenities=amenities, open_now=open_now, district=district, q=q,
        )
        stations = answer.stations
        for station in [*stations, *([answer.beyond] if answer.beyond else [])]:
            distance = distance_text(station.distance_km)
            station.distance_label = (_("距区中心 %(distance)s") if from_centre else _("距您 %(distance)s")) % {
                "distance": distance}
    else:
        listing = selectors.station_list(kind=kind, amenities=amenities, open_now=open_now, district=district, q=q)
        page = Paginator(listing, PAGE_SIZE).get_page(request.GET.get("page"))
        stations = selectors.stations_hours_attach(selectors.stations_from_rows(page.object_list))
    filters_set = _filters_set(filters, district_is_filter=not from_centre)
    clear_filters = {}
    if origin is not None:
        clear_filters = {"lat": filters["lat"], "lng": filters["lng"]} if not from_centre else {"district": district}
        clear_filters["radius_km"] = radius_km
    tiles = map_settings()
    return render(
        request,
        "stations/list.html",
        {
            "form": form, "stations": stations, "page": page, "origin": origin, "from_centre": from_centre,
            "district": district, "radius_km": radius_km, "default_radius_km": DEFAULT_RADIUS_KM, "answer": answer,
            "filters_set": filters_set,
            "filters_open": bool(form.errors),
            "wider_query": _query(request, radius_km=DEFAULT_RADIUS_KM) if radius_km < DEFAULT_RADIUS_KM else "",
            "clear_filters_query": urlencode(clear_filters),
            # The nearest beyond the radius is on the map too when it is all there is to show.
            "markers": [_marker(s, tiles["gcj02"]) for s in stations or ([answer.beyond] if answer and answer.beyond
                                                                          else [])],
            "tiles": tiles,
            "querystring": _query(request),
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
            "hours": week_summary(station.weekly_hours),
            "exceptions": [
                (e.date, _("闭站") if e.is_closed else interval_text(e), e.note)
                for e in station.exceptions.filter(date__gte=today, date__lte=today + timedelta(days=60))
            ],
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
    # A signed-in worker's occupation is remembered from their last visit: the next visit is one tap.
    last_job = (Visit.objects.filter(user=request.user).order_by("-visited_at").values_list("job_type", flat=True)
                .first() if request.user.is_authenticated else None)
    form = VisitForm(request.POST or None, initial={"job_type": last_job} if last_job else None)
    if request.method == "POST" and form.is_valid():
        with page_errors(request, form=form):
            services.visit_record(
                station_id=pk, token=token, job_type=form.cleaned_data["job_type"],
                user=request.user, mobile=form.cleaned_data["mobile"],
            )
            messages.success(request, _("已登记到访，欢迎歇脚！"))
            return redirect("stations:detail", pk)
    status = 400 if request.method == "POST" else 200
    return render(request, "stations/visit.html", {
        "station": station, "form": form, "last_job": last_job,
        "last_job_label": JobType(last_job).label if last_job in JobType.values else "",
    }, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def rate(request, pk: int):
    station = get_object_or_404(Station, pk=pk, is_active=True)
    form = RatingForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        with page_errors(request, form=form):
            services.rating_create(
                user=request.user, station_id=pk, score=form.cleaned_data["score"], comment=form.cleaned_data["comment"]
            )
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
            with page_errors(request, form=form):
                services.need_create(user=request.user, station_id=pk, **form.cleaned_data)
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
    # The role opens the page, not the stations: a new station manager whose branch has none yet sees an empty
    # table, not a 404 on the tool the home page offers them.
    if not user_is_staff_of_any_branch(request.user, roles=selectors.STATION_MANAGER_ROLES):
        raise Http404
    stations = selectors.stations_managed_by(request.user)
    today = timezone.localdate()
    try:
        days = max(1, min(int(request.GET.get("days", 14)), 92))
    except ValueError:
        days = 14
    rows = selectors.visit_daily_counts(stations=stations, date_from=today - timedelta(days=days - 1), date_to=today)
    return render(request, "stations/staff_visits.html", {"rows": rows, "days": days})
