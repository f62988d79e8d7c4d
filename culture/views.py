"""Pages of the cultural palace: thin doors onto services.py and selectors.py."""

import hashlib
import io
import time
from datetime import timedelta

import qrcode
import qrcode.image.svg
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpResponse
from django.middleware.csrf import get_token
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.http import http_date, url_has_allowed_host_and_scheme
from django.utils.safestring import mark_safe
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from core.api import ID_MAX
from core.dates import bounded_date
from core.errors import error_show, page_errors
from core.spreadsheets import csv_writer, xlsx_append
from members.http import client_ip
from members.selectors import branches_in_scope

from . import selectors, services
from .calendar import ticket_ics
from .forms import (
    BookingForm,
    CheckInForm,
    CodeForm,
    ExportForm,
    GroupOrderForm,
    MenuFilterForm,
    MobileForm,
    OrderAcceptForm,
    OrderDeclineForm,
    RatingForm,
    contest_entry_form,
)
from .models import Booking, Category, ContestEntry, ItemImage, MenuItem, Session, Venue, WaitlistEntry

VERIFIED_MOBILE_KEY = "culture_verified_mobile"
VERIFIED_MOBILE_SECONDS = 2 * 3600
PAGE_SIZE = 20
MENU_CACHE_SECONDS = getattr(settings, "CULTURE_MENU_CACHE_SECONDS", 30)


def verified_mobile(request) -> str | None:
    """A visitor's mobile number proven by an SMS code in this browser session, for two hours."""
    data = request.session.get(VERIFIED_MOBILE_KEY) if hasattr(request, "session") else None
    if not data or time.time() - data.get("at", 0) > VERIFIED_MOBILE_SECONDS:
        return None
    return data.get("mobile")


def _qr_svg(text: str) -> str:
    image = qrcode.make(text, image_factory=qrcode.image.svg.SvgPathImage, box_size=8, border=2)
    return image.to_string(encoding="unicode")


def menu_filters_from(form: MenuFilterForm) -> selectors.MenuFilters:
    """The filters whose values are good. A bad value (an unknown venue, a far date, a NUL) is left out and
    reported next to its field by the form; the other filters still apply."""
    form.is_valid()
    data = getattr(form, "cleaned_data", {})  # after validation it holds only the fields that passed
    venue = data.get("venue")
    return selectors.MenuFilters(
        q=data.get("q") or "", category=data.get("category") or "", venue=venue.pk if venue else None,
        date_from=data.get("date_from"), date_to=data.get("date_to"), price=data.get("price") or "",
        seats_left=bool(data.get("seats_left")),
    )


def page_replaced(asked: str | None, shown: int) -> bool:
    """Whether a page number in the address (huge, negative, not a number, a NUL) was replaced by the page
    shown: Paginator.get_page falls back to the first or last page, and the page says so."""
    if asked is None or asked == "":
        return False
    try:
        return int(asked) != shown
    except ValueError:
        return True


# --- Public menu -------------------------------------------------------------------------------------------

def _menu_cache_key(request) -> str:
    """The menu body depends on the query, the language and which links the visitor's nav shows."""
    user = request.user
    role = ("anon" if not user.is_authenticated else "staff" if selectors.viewer_is_palace_staff(request)
            else "user")
    digest = hashlib.sha256(request.get_full_path().encode()).hexdigest()[:32]
    return f"culture:menu:v2:{get_language()}:{role}:{digest}"


CSRF_PLACEHOLDER = "culture-csrf-placeholder-7f3a"


def _plain_anonymous(request) -> bool:
    """A visitor without an account, a session or pending messages: the whole page is the same for all of
    them except the CSRF token."""
    return (not request.user.is_authenticated and settings.SESSION_COOKIE_NAME not in request.COOKIES
            and "messages" not in request.COOKIES)


@require_GET
def menu(request):
    """The public menu. Its body (filters, cards, pager; no per-person data, no CSRF token) is cached for
    MENU_CACHE_SECONDS: a cached page costs no query; a fresh one costs four, whatever the number of items
    (venues, count, one page of ids, that page with its figures). Seats left may thus lag by those seconds;
    the item page and the booking itself always read the live figures. For plain anonymous visitors the
    whole page is cached, rendered with a placeholder where the layout puts the CSRF token, which is
    replaced by this visitor's own token on the way out."""
    key = _menu_cache_key(request)
    whole_page = _plain_anonymous(request)
    if whole_page:
        html = cache.get(f"{key}:page")
        if html is not None:
            return HttpResponse(html.replace(CSRF_PLACEHOLDER, get_token(request)))
    body = cache.get(key)
    if body is None:
        venues = list(Venue.objects.filter(is_active=True).only("id", "name"))
        form = MenuFilterForm(request.GET or None, venues=Venue.objects.filter(is_active=True))
        form.fields["venue"].choices = [("", _("全部场馆")), *[(v.pk, v.name) for v in venues]]
        form.fields["venue"].queryset = Venue.objects.filter(pk__in=[v.pk for v in venues])
        filters = menu_filters_from(form) if request.GET else selectors.MenuFilters()
        asked = request.GET.get("page")
        page = Paginator(selectors.menu_item_ids(filters), PAGE_SIZE).get_page(asked)
        items = selectors.menu_items_for_ids(list(page.object_list), filters)
        query = request.GET.copy()
        query.pop("page", None)
        body = render_to_string("culture/_menu_body.html", {
            "form": form, "page": page, "items": items, "query": query.urlencode(),
            "page_replaced": page_replaced(asked, page.number)}, request=request)
        cache.set(key, body, MENU_CACHE_SECONDS)
    if whole_page:
        # The view's context wins over the csrf context processor, so the layout renders the placeholder.
        html = render_to_string("culture/menu.html", {"body": body, "csrf_token": CSRF_PLACEHOLDER}, request=request)
        cache.set(f"{key}:page", html, MENU_CACHE_SECONDS)
        return HttpResponse(html.replace(CSRF_PLACEHOLDER, get_token(request)))
    return render(request, "culture/menu.html", {"body": body})


@require_GET
def week(request):
    # Any start a person could mean; a far or unreadable one shows this week (date arithmetic stays in range),
    # and the page says so.
    asked = request.GET.get("start")
    start = bounded_date(asked) or timezone.localdate()
    days = {start + timedelta(days=i): [] for i in range(7)}
    for session in selectors.week_sessions(start):
        days.setdefault(timezone.localtime(session.starts_at).date(), []).append(session)
    return render(request, "culture/week.html", {
        "days": sorted(days.items()), "start": start, "start_replaced": bool(asked) and bounded_date(asked) is None,
        "previous": start - timedelta(days=7), "next": start + timedelta(days=7),
    })


@require_GET
def item_detail(request, item_id: int):
    try:
        item = selectors.item_detail(item_id)
    except MenuItem.DoesNotExist:
        raise Http404 from None
    url = request.build_absolute_uri(reverse("culture:item", args=[item.pk]))
    mobile = verified_mobile(request)
    # The asker's own places in this item's queues, with their position (members see theirs on their page too).
    queued = selectors.waitlist_for_item(item, user=request.user, visitor_mobile=mobile)
    return render(request, "culture/item.html", {
        "queued": queued,
        "item": item, "sessions": selectors.item_sessions(item), "images": list(item.images.all()),
        "course_seats_left": selectors.course_seats_left(item),
        "share_url": url, "share_qr": mark_safe(_qr_svg(url)),  # noqa: S308 — SVG generated by qrcode, no user text
        "booking_form": BookingForm(initial={"seats": 1}),
        "is_member": services.active_member(request.user) is not None,
        "visitor_mobile": mobile,
    })


@require_GET
def item_image(request, image_id: int):
    """Photos of published items, for everyone; MEDIA_ROOT is private, so this is their only door."""
    image = get_object_or_404(ItemImage.objects.select_related("item"), pk=image_id,
                              item__status=MenuItem.Status.PUBLISHED)
    try:
        handle = image.image.open("rb")
    except FileNotFoundError:
        raise Http404 from None
    name = image.image.name.lower()
    content_type = "image/png" if name.endswith(".png") else "image/webp" if name.endswith(".webp") else "image/jpeg"
    response = FileResponse(handle, content_type=content_type)
    response["Cache-Control"] = "public, max-age=86400"
    response["Last-Modified"] = http_date(image.item.created_at.timestamp())
    response["X-Content-Type-Options"] = "nosniff"
    return response


# --- Booking -----------------------------------------------------------------------------------------------

def _session_or_404(session_id: int) -> Session:
    return get_object_or_404(Session.objects.select_related("item", "venue", "item__venue"), pk=session_id,
                             item__status=MenuItem.Status.PUBLISHED)


@require_POST
def book(request, session_id: int):
    session = _session_or_404(session_id)
    form = BookingForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("请填写有效的人数。"))
        return redirect("culture:item", session.item_id)
    user = request.user if request.user.is_authenticated else None
    mobile = verified_mobile(request)
    if user is None and mobile is None:
        messages.info(request, _("请先登录，或验证手机号码后以访客身份预约。"))
        return redirect(f"{reverse('culture:verify-mobile')}?next={reverse('culture:item', args=[session.item_id])}")
    wants_waitlist = request.POST.get("waitlist") == "1"
    try:
        if wants_waitlist:
            services.waitlist_join(session_id=session.pk, seats=form.cleaned_data["seats"], user=user,
                                   visitor_mobile=mobile)
            messages.success(request, _("已加入候补名单。有名额空出时会通知您。"))
            return redirect("culture:my" if user else "culture:item", *([] if user else [session.item_id]))
        booking = services.booking_create(session_id=session.pk, seats=form.cleaned_data["seats"], user=user,
                                          visitor_mobile=mobile)
    except services.SessionFull as e:
        error_show(request, e, level=messages.WARNING)
        return redirect("culture:item", session.item_id)
    except services.BookingError as e:
        error_show(request, e)
        return redirect("culture:item", session.item_id)
    messages.success(request, _("预约成功，请在入场时出示二维码。"))
    return redirect("culture:ticket", booking.code)


def verify_mobile(request):
    """A visitor proves a mobile number with an SMS code; the number is then kept in the browser session."""
    next_url = request.POST.get("next") or request.GET.get("next") or reverse("culture:menu")
    if not url_has_allowed_host_and_scheme(next_url, allowed_hosts={request.get_host()}):
        next_url = reverse("culture:menu")
    send_form, code_form, limited = MobileForm(prefix="send"), None, False
    if request.method == "POST" and request.POST.get("step") == "send":
        send_form = MobileForm(request.POST, prefix="send")
        if send_form.is_valid():
            try:
                services.visitor_code_send(mobile=send_form.cleaned_data["mobile"], client_ip=client_ip(request))
                messages.success(request, _("验证码已发送。"))
            except services.CultureError as e:
                error_show(request, e)
                if e.code == "rate_limited":
                    limited = True
            code_form = CodeForm(initial={"mobile": send_form.cleaned_data["mobile"]})
    elif request.method == "POST" and request.POST.get("step") == "check":
        code_form = CodeForm(request.POST)
        send_form = MobileForm(prefix="send", initial={"mobile": request.POST.get("mobile", "")[:20]})
        if code_form.is_valid():
            with page_errors(request):
                services.visitor_code_check(mobile=code_form.cleaned_data["mobile"],
                                            code=code_form.cleaned_data["code"])
                request.session[VERIFIED_MOBILE_KEY] = {"mobile": code_form.cleaned_data["mobile"], "at": time.time()}
                messages.success(request, _("手机号码已验证，可以预约了。"))
                return redirect(next_url)
    status = 400 if request.method == "POST" and (
        (code_form is not None and code_form.errors) or send_form.errors) else 200
    if limited:
        status = 429
    return render(request, "culture/verify_mobile.html",
                  {"send_form": send_form, "code_form": code_form, "next": next_url}, status=status)


def ticket(request, code: str):
    """The ticket: whoever holds the code holds the ticket (it is the QR code's content)."""
    booking = get_object_or_404(Booking.objects.select_related("session__item", "session__venue",
                                                               "session__item__venue"), code=code)
    return render(request, "culture/ticket.html", {"booking": booking, "qr": mark_safe(_qr_svg(booking.code))})  # noqa: S308


@require_GET
def ticket_calendar(request, code: str):
    """The session as an .ics file for the phone's calendar; like the ticket, the code is the key."""
    booking = get_object_or_404(Booking.objects.select_related("session__item", "session__venue",
                                                               "session__item__venue"), code=code)
    response = HttpResponse(ticket_ics(booking), content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="ticket-{booking.short_code}.ics"'
    response["Cache-Control"] = "private, no-store"
    return response


@require_POST
def ticket_cancel(request, code: str):
    booking = get_object_or_404(Booking, code=code)
    if request.POST.get("confirm") != "1":
        # The form's tick box is required in the browser; without it (no HTML5 validation, a stray POST)
        # nothing is cancelled: cancelling frees the seats for the queue and cannot be undone.
        messages.error(request, _("请勾选确认后再取消预约。"))
        return redirect("culture:ticket", code)
    with page_errors(request):
        services.booking_cancel(booking_id=booking.pk, code=code)
        messages.success(request, _("预约已取消，名额已释放。"))
    return redirect("culture:ticket", code)


@login_required
def my_culture(request):
    return render(request, "culture/my.html", {
        "bookings": selectors.bookings_of(request.user)[:100],
        "waitlist": selectors.waitlist_of(request.user),
        "rating_form": RatingForm(),
    })


def _waitlist_action(request, entry_id: int, action):
    entry = get_object_or_404(WaitlistEntry, pk=entry_id)
    user = request.user if request.user.is_authenticated else None
    with page_errors(request):
        return action(entry_id=entry.pk, user=user, visitor_mobile=verified_mobile(request))
    return redirect("culture:my" if user else "culture:item", *([] if user else [entry.session.item_id]))


@require_POST
def waitlist_accept(request, entry_id: int):
    result = _waitlist_action(request, entry_id, services.waitlist_accept)
    if isinstance(result, Booking):
        messages.success(request, _("候补已转为预约。"))
        return redirect("culture:ticket", result.code)
    return result


@require_POST
def waitlist_leave(request, entry_id: int):
    result = _waitlist_action(request, entry_id, services.waitlist_leave)
    if isinstance(result, WaitlistEntry):
        messages.success(request, _("已退出候补。"))
        return redirect("culture:my" if request.user.is_authenticated else "culture:menu")
    return result


@login_required
@require_POST
def rate(request, booking_id: int):
    form = RatingForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("请选择 1 到 5 分。"))
        return redirect("culture:my")
    with page_errors(request):
        services.rating_create(booking_id=booking_id, user=request.user, score=form.cleaned_data["score"],
                               comment=form.cleaned_data["comment"])
        messages.success(request, _("感谢您的评价。"))
    return redirect("culture:my")


@login_required
def contest_enter(request, item_id: int):
    item = get_object_or_404(MenuItem, pk=item_id, category="contest", status=MenuItem.Status.PUBLISHED)
    form_class = contest_entry_form(item)
    form = form_class(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        answers = {k[2:]: v for k, v in data.items() if k.startswith("f_")}
        with page_errors(request):
            services.contest_entry_submit(
                item_id=item.pk, user=request.user, answers=answers, team_name=data.get("team_name", ""),
                team_members=(data.get("team_members") or "").splitlines(),
            )
            messages.success(request, _("报名已提交，请等待审核结果。"))
            return redirect("culture:item", item.pk)
    return render(request, "culture/contest_enter.html", {"item": item, "form": form},
                  status=400 if request.method == "POST" else 200)


# --- Staff -------------------------------------------------------------------------------------------------

def _staff_session(request, session_id: int) -> Session:
    """A session of an item in the staff's branches; any other id answers 404."""
    return get_object_or_404(selectors.sessions_in_scope(request.user).select_related("item", "venue", "item__venue"),
                             pk=session_id)


@login_required
def staff_home(request):
    scope = branches_in_scope(request.user, roles=services.STAFF_ROLES)
    if not scope.exists():
        raise Http404
    sessions = (selectors.sessions_in_scope(request.user)
                .filter(starts_at__gte=timezone.now() - timedelta(hours=12), is_cancelled=False)
                .select_related("item", "venue", "item__venue").order_by("starts_at")[:50])
    contests = selectors.items_in_scope(request.user).filter(category="contest").order_by("-created_at")[:20]
    return render(request, "culture/staff_home.html", {"sessions": sessions, "contests": contests,
                                                       "export_form": ExportForm()})


@login_required
def check_in(request, session_id: int):
    session = _staff_session(request, session_id)
    form = CheckInForm(request.POST or None)
    result, error, status = None, None, 200
    if request.method == "POST" and form.is_valid():
        try:
            result = services.ticket_check_in(session_id=session.pk, code=form.cleaned_data["code"],
                                              staff=request.user)
        except services.CheckInError as e:
            error, status = e.message, 409 if e.code == "used" else 400
        form = CheckInForm()
    return render(request, "culture/check_in.html", {
        "session": session, "form": form, "result": result, "error": error,
        "attendance": selectors.session_attendance(session),
    }, status=status)


@login_required
def attendance(request, session_id: int):
    session = _staff_session(request, session_id)
    bookings = (Booking.objects.filter(session=session).select_related("checked_in_by").order_by("name", "id"))
    return render(request, "culture/attendance.html", {
        "session": session, "bookings": bookings, "attendance": selectors.session_attendance(session),
        "lessons": session.attendances.select_related("booking").order_by("checked_in_at")
        if session.item.category == "course" else None,
    })


EXPORT_HEADER = ["场次", "开始时间", "场馆", "姓名", "手机号码", "人数", "单价", "金额", "会员价", "状态", "预约时间",
                 "入场时间", "验票地点"]


def _export_rows(bookings):
    for b in bookings:
        venue = b.session.venue or b.session.item.venue
        yield [
            b.session.item.title, f"{timezone.localtime(b.session.starts_at):%Y-%m-%d %H:%M}", venue.name,
            b.name, f"{b.mobile[:3]}****{b.mobile[-4:]}", b.seats, str(b.unit_price), str(b.total_price),
            "是" if b.is_member_price else "否", b.get_status_display(),
            f"{timezone.localtime(b.created_at):%Y-%m-%d %H:%M}",
            f"{timezone.localtime(b.checked_in_at):%Y-%m-%d %H:%M}" if b.checked_in_at else "", b.checked_in_place,
        ]


@login_required
def export_bookings(request):
    """Bookings and attendance of the staff's branches, as CSV or XLSX; mobile numbers masked."""
    if not branches_in_scope(request.user, roles=services.STAFF_ROLES).exists():
        raise Http404
    form = ExportForm(request.GET)
    if not form.is_valid():
        return HttpResponse(_("导出参数有误。"), status=400)
    data = form.cleaned_data
    if data.get("session"):
        _staff_session(request, data["session"])
    rows = selectors.bookings_for_export(request.user, session_id=data.get("session"),
                                         date_from=data.get("date_from"), date_to=data.get("date_to"))
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    if data["format"] == "xlsx":
        from openpyxl import Workbook

        book = Workbook(write_only=True)
        sheet = book.create_sheet("bookings")
        sheet.append(EXPORT_HEADER)
        for row in _export_rows(rows.iterator(chunk_size=2000)):
            xlsx_append(sheet, row)
        buffer = io.BytesIO()
        book.save(buffer)
        response = HttpResponse(buffer.getvalue(),
                                content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
        response["Content-Disposition"] = f'attachment; filename="culture-bookings-{stamp}.xlsx"'
        return response
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="culture-bookings-{stamp}.csv"'
    writer = csv_writer(response)  # a BOM first: Excel opens UTF-8 Chinese correctly only with it
    writer.writerow(EXPORT_HEADER)
    writer.writerows(_export_rows(rows.iterator(chunk_size=2000)))
    return response


@login_required
def satisfaction(request):
    if not branches_in_scope(request.user, roles=services.STAFF_ROLES).exists():
        raise Http404
    by = request.GET.get("by", "item")
    if by not in ("item", "venue", "category"):
        by = "item"
    rows = selectors.satisfaction(request.user, by=by)
    if by == "category":

        labels = dict(Category.choices)
        for row in rows:
            row["label"] = labels.get(row["label"], row["label"])
    return render(request, "culture/satisfaction.html", {"rows": rows, "by": by})


@login_required
def contest_entries(request, item_id: int):
    """Staff review a contest's entries: accept, or reject with a reason (the entrant is told either way)."""
    item = get_object_or_404(selectors.items_in_scope(request.user), pk=item_id, category="contest")
    status = 200
    if request.method == "POST":
        # An entry id as the form posts it; anything else (text, a NUL, 20 digits) is no entry: 404, not a 500.
        entry_id = request.POST.get("entry", "")
        if not entry_id.isascii() or not entry_id.isdigit() or not 0 < int(entry_id) <= ID_MAX:
            raise Http404
        entry = get_object_or_404(ContestEntry, pk=int(entry_id), item=item)
        with page_errors(request) as outcome:
            services.contest_entry_review(entry_id=entry.pk, staff=request.user,
                                          accept=request.POST.get("decision") == "accept",
                                          note=request.POST.get("note", ""))
            messages.success(request, _("审核结果已保存并通知报名人。"))
            return redirect("culture:contest-entries", item.pk)
        if outcome.error:
            status = 400
    entries = ContestEntry.objects.filter(item=item).select_related("user").order_by("status", "created_at")
    return render(request, "culture/contest_entries.html", {"item": item, "entries": entries}, status=status)


# --- Group orders ------------------------------------------------------------------------------------------

@login_required
def orders(request):
    """Orders the user's branches placed and orders for the palaces they run; the order form for those who may
    order something (the palace's own staff order nothing from themselves)."""
    scope = branches_in_scope(request.user, roles=services.STAFF_ROLES)
    if not scope.exists():
        raise Http404
    items = list(selectors.orderable_items(request.user))
    form = GroupOrderForm(request.POST or None, branches=scope.order_by("path"), items=items) if items else None
    status = 200
    if request.method == "POST":
        if form is None:
            raise PermissionDenied
        if form.is_valid():
            data = form.cleaned_data
            with page_errors(request) as outcome:
                order = services.group_order_create(
                    branch_id=data["branch"].pk, item_id=data["item"], user=request.user,
                    wished_from=data["wished_from"], wished_to=data["wished_to"], headcount=data["headcount"],
                    site_address=data["site_address"], note=data["note"])
                messages.success(request, _("点单已提交，文化宫受理后会通知您。"))
                return redirect("culture:order", order.pk)
            if outcome.error:
                status = 400
        else:
            status = 400
    page = Paginator(selectors.group_orders_visible(request.user).order_by("-created_at"), 30).get_page(
        request.GET.get("page"))
    return render(request, "culture/orders.html", {"form": form, "page": page}, status=status)


ORDER_ACTIONS = {"palace": {"accept", "decline"}, "orderer": {"cancel"}}


@login_required
def order_detail(request, order_id: int):
    """One order, with the actions of the viewer's side only: the palace accepts or declines, the ordering branch
    withdraws. A POST of the other side's action is refused (403) and changes nothing; the services check again."""
    order = get_object_or_404(selectors.group_orders_visible(request.user), pk=order_id)
    side = selectors.group_order_side(request.user, order)
    accept_form, decline_form = OrderAcceptForm(), OrderDeclineForm()
    if request.method == "POST":
        action = request.POST.get("action")
        if action not in ORDER_ACTIONS.get(side, ()):
            raise PermissionDenied
        with page_errors(request):
            if action == "accept":
                accept_form = OrderAcceptForm(request.POST)
                if accept_form.is_valid():
                    services.group_order_accept(order_id=order.pk, staff=request.user,
                                                starts_at=accept_form.cleaned_data["starts_at"],
                                                ends_at=accept_form.cleaned_data["ends_at"],
                                                note=accept_form.cleaned_data["note"])
                    messages.success(request, _("已受理并排期。"))
                    return redirect("culture:order", order.pk)
            elif action == "decline":
                decline_form = OrderDeclineForm(request.POST)
                if decline_form.is_valid():
                    services.group_order_decline(order_id=order.pk, staff=request.user,
                                                 reason=decline_form.cleaned_data["reason"])
                    messages.success(request, _("已婉拒。"))
                    return redirect("culture:order", order.pk)
            else:
                services.group_order_cancel(order_id=order.pk, user=request.user)
                messages.success(request, _("点单已撤销。"))
                return redirect("culture:order", order.pk)
        return render(request, "culture/order.html", {"order": order, "side": side,
                                                      "accept_form": accept_form, "decline_form": decline_form},
                      status=400)
    return render(request, "culture/order.html", {"order": order, "side": side,
                                                  "accept_form": accept_form, "decline_form": decline_form})
