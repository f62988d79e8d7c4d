from django.urls import path, re_path

from . import views

app_name = "culture"

urlpatterns = [
    path("", views.menu, name="menu"),
    path("week/", views.week, name="week"),
    path("items/<int:item_id>/", views.item_detail, name="item"),
    path("items/<int:item_id>/enter/", views.contest_enter, name="contest-enter"),
    path("images/<int:image_id>/", views.item_image, name="image"),
    path("sessions/<int:session_id>/book/", views.book, name="book"),
    path("verify-mobile/", views.verify_mobile, name="verify-mobile"),
    # A ticket code is URL-safe base64 (services._new_code): anything else (a NUL, which PostgreSQL refuses in
    # a query) is no ticket and answers 404 before the database is asked.
    re_path(r"^tickets/(?P<code>[A-Za-z0-9_-]{1,64})/$", views.ticket, name="ticket"),
    re_path(r"^tickets/(?P<code>[A-Za-z0-9_-]{1,64})/cancel/$", views.ticket_cancel, name="ticket-cancel"),
    re_path(r"^tickets/(?P<code>[A-Za-z0-9_-]{1,64})/calendar\.ics$", views.ticket_calendar, name="ticket-calendar"),
    path("me/", views.my_culture, name="my"),
    path("waitlist/<int:entry_id>/accept/", views.waitlist_accept, name="waitlist-accept"),
    path("waitlist/<int:entry_id>/leave/", views.waitlist_leave, name="waitlist-leave"),
    path("bookings/<int:booking_id>/rate/", views.rate, name="rate"),
    path("staff/", views.staff_home, name="staff"),
    path("staff/sessions/<int:session_id>/check-in/", views.check_in, name="check-in"),
    path("staff/sessions/<int:session_id>/attendance/", views.attendance, name="attendance"),
    path("staff/export/", views.export_bookings, name="export"),
    path("staff/items/<int:item_id>/entries/", views.contest_entries, name="contest-entries"),
    path("staff/satisfaction/", views.satisfaction, name="satisfaction"),
    path("orders/", views.orders, name="orders"),
    path("orders/<int:order_id>/", views.order_detail, name="order"),
]
