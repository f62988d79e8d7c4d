"""The search's cards (stations/cards.py): the public search answered from each process's memory, the same bytes
as the database way, current within STATIONS_SEARCH_REFRESH_SECONDS of any committed change.

Personas: the public searcher (anonymous, the API); a writer — staff in the admin, an import, another process's
raw SQL — whose committed change the searcher must see; a writer whose transaction is still open, whose change
the searcher must not see yet and must not miss later."""

import threading
from datetime import date, datetime, time, timedelta

import pytest
from django.db import connection, transaction
from django.urls import reverse
from django.utils import timezone
from rest_framework.renderers import JSONRenderer

from stations import cards, index, selectors, services
from stations.models import HoursException, OpeningHours, Rating, Station, StationChange
from tests.stations.factories import open_all_day

SEARCH = reverse("api:stations-search")
# Noon of the coming Wednesday (today if it is one): the cards keep hours exceptions from yesterday on, so the
# moments compared must not lie in the past of the day the suite runs.
_TODAY = datetime.now(tz=selectors.LOCAL_TZ).date()
NOON = datetime.combine(_TODAY + timedelta(days=(2 - _TODAY.weekday()) % 7), time(12), tzinfo=selectors.LOCAL_TZ)


def _database_answer(lat, lng, *, limit=10, max_km=50.0, now=None) -> bytes:
    rows, _radius, _rounds = selectors.station_search(lat=lat, lng=lng, limit=limit, max_km=max_km, now=now)
    return JSONRenderer().render({"count": len(rows), "next": None, "previous": None, "results": rows})


def _names(body: bytes) -> list[str]:
    import json

    return [r["name"] for r in json.loads(body)["results"]]


def _rate(station, member_factory, score):
    member = member_factory(branch=station.branch)
    visit = services.visit_record(station_id=station.pk, token=services.station_visit_token(station),
                                  job_type="courier", user=member.user)
    return Rating.objects.create(visit=visit, station=station, user=member.user, score=score)


@pytest.fixture
def fresh_cards():
    cards.cards_forget()
    index.index_forget()
    yield
    cards.cards_forget()
    index.index_forget()


@pytest.fixture
def street(station_factory, member_factory):
    """Five committed stations along a street: weekday hours, one overnight, one closed today by an exception,
    one with none (closed), ratings on two, awkward text in a name and an address, one with no code."""
    stations = [station_factory(name=f"街{i}", lat=24.40 + i * 0.01, lng=118.10, code=f"S{i}") for i in range(5)]
    for weekday in range(5):
        OpeningHours.objects.create(station=stations[0], weekday=weekday, opens=time(8), closes=time(18))
        OpeningHours.objects.create(station=stations[1], weekday=weekday, opens=time(22), closes=time(6),
                                    closes_next_day=True)
    open_all_day(stations[2])
    HoursException.objects.create(station=stations[2], date=NOON.date(), is_closed=True)
    Station.objects.filter(pk=stations[3].pk).update(name="街\u2028三", address='鹭江道\u2029"3"号', code=None)
    _rate(stations[0], member_factory, 5)
    _rate(stations[0], member_factory, 2)
    _rate(stations[2], member_factory, 4)
    return stations


@pytest.mark.django_db(transaction=True)
def test_the_cards_answer_is_the_database_answer_byte_for_byte(street, fresh_cards):
    """Anonymous searcher: the same stations, order, distances, open-now, ratings and escaping as the database
    way, at several moments (weekday noon, overnight, a day with an exception)."""
    moments = [NOON, NOON.replace(hour=3), NOON.replace(hour=23), NOON + timedelta(days=1), NOON + timedelta(days=4)]
    for now in moments:
        for lat, limit, max_km in [(24.42, 10, 50.0), (24.40, 2, 50.0), (24.43, 3, 1.5), (30.0, 10, 5.0)]:
            mine = cards.nearest_answer(lat=lat, lng=118.1, limit=limit, max_km=max_km, now=now)
            assert mine == _database_answer(lat, 118.1, limit=limit, max_km=max_km, now=now), (now, lat)
    Station.objects.filter(pk__in=[street[1].pk, street[3].pk]).update(has_wifi=True)
    Station.objects.filter(pk=street[2].pk).update(kind=Station.Kind.SERVICE)
    for kind, amenities in [("rest", []), ("service", []), ("", ["wifi"]), ("rest", ["water", "wifi"]),
                            ("", ["nursing_room"])]:
        mine = cards.nearest_answer(lat=24.42, lng=118.1, limit=10, max_km=50, kind=kind, amenities=amenities,
                                    now=NOON)
        rows, _radius, _rounds = selectors.station_search(lat=24.42, lng=118.1, limit=10, max_km=50,
                                                                 kind=kind, amenities=amenities, now=NOON)
        assert mine == JSONRenderer().render({"count": len(rows), "next": None, "previous": None, "results": rows})
    assert _names(cards.nearest_answer(lat=24.42, lng=118.1, limit=10, max_km=50, amenities=["wifi"])) == [
        "街1", "街\u2028三"]
    at_noon = cards.nearest_answer(lat=24.40, lng=118.1, limit=5, max_km=50, now=NOON)
    assert '"code":"S0","kind":"rest","name":"街0"'.encode() in at_noon
    assert b'"rating_avg":3.5,"rating_count":2' in at_noon
    assert b'"open_now":true,"distance_km":0.0}' in at_noon  # 街0 at noon on a Wednesday
    assert b"\\u2028" in at_noon and "\u2028".encode() not in at_noon
    built = cards.search_cards()
    assert built.memory_bytes() > built.nbytes() > 5 * 200  # five cards of a few hundred bytes, and more


@pytest.mark.django_db(transaction=True)
def test_the_api_answers_from_memory_without_a_query(street, fresh_cards, settings, client,
                                                     django_assert_num_queries):
    settings.STATIONS_SEARCH_REFRESH_SECONDS = 60
    first = client.get(SEARCH, {"lat": 24.42, "lng": 118.1, "limit": 3})  # builds the cards
    assert first.status_code == 200 and _names(first.content) == ["街2", "街1", "街\u2028三"]
    with django_assert_num_queries(0):
        again = client.get(SEARCH, {"lat": 24.401, "lng": 118.1, "limit": 2})
    assert again.status_code == 200 and _names(again.content) == ["街0", "街1"]
    assert again["Content-Type"] == "application/json"


@pytest.mark.django_db(transaction=True)
def test_changes_show_once_the_refresh_interval_has_passed(street, fresh_cards, settings, member_factory,
                                                           station_factory, django_assert_num_queries):
    """Writer (staff, an import, raw SQL) commits; the searcher sees it at the next poll, not before, and the
    searches in between touch no database."""
    settings.STATIONS_SEARCH_REFRESH_SECONDS = 60

    def search(lat=24.40, limit=5):
        return cards.nearest_answer(lat=lat, lng=118.1, limit=limit, max_km=50, now=NOON)

    def next_poll():
        cards._published["default"].polled_at -= 61

    before = search()
    Station.objects.filter(pk=street[0].pk).update(name="改名的街0")
    _rate(street[1], member_factory, 1)
    Station.objects.filter(pk=street[4].pk).update(is_active=False)
    added = station_factory(name="新站", lat=24.4005, lng=118.10)
    OpeningHours.objects.filter(station=street[0]).delete()
    HoursException.objects.create(station=street[1], date=NOON.date(), is_closed=False, opens=time(11),
                                  closes=time(13))
    with django_assert_num_queries(0):
        assert search() == before  # inside the interval: the cards as they were
    next_poll()
    after = search()
    assert after == _database_answer(24.40, 118.1, limit=5, now=NOON)
    assert _names(after) == ["改名的街0", "新站", "街1", "街2", "街\u2028三"]
    assert b'"rating_avg":1.0,"rating_count":1,"open_now":true' in after  # 街1: rated, open 11–13 today
    assert f'"id":{added.pk},'.encode() in after and '"name":"街4"'.encode() not in after  # 街4 closed for good
    with django_assert_num_queries(0):
        search(lat=24.41)


@pytest.mark.django_db(transaction=True)
def test_with_a_zero_interval_every_search_reads_the_log_first(street, fresh_cards, django_assert_num_queries):
    cards.nearest_answer(lat=24.40, lng=118.1, limit=2, max_km=50)
    with django_assert_num_queries(1):  # the poll: nothing changed, nothing more read
        cards.nearest_answer(lat=24.40, lng=118.1, limit=2, max_km=50)
    with connection.cursor() as cursor:  # committed at once, by a writer the process knows nothing of
        cursor.execute("UPDATE stations_station SET name = %s WHERE id = %s", ["裸写的街0", street[0].pk])
    assert _names(cards.nearest_answer(lat=24.40, lng=118.1, limit=2, max_km=50))[0] == "裸写的街0"


@pytest.mark.django_db
def test_inside_a_transaction_the_search_goes_the_database_way(station_factory, fresh_cards, client):
    """A search inside a transaction may see writes that roll back: the cards are neither used nor built."""
    station_factory(name="事务里的站", lat=24.40, lng=118.10)
    assert cards.search_cards() is None and cards.nearest_answer(lat=24.4, lng=118.1, limit=1, max_km=5) is None
    response = client.get(SEARCH, {"lat": 24.40, "lng": 118.1})
    assert response.status_code == 200 and _names(response.content) == ["事务里的站"]
    assert cards._published.get("default") is None


@pytest.mark.django_db(transaction=True)
def test_the_index_ahead_of_the_cards_reads_the_missing_station_for_that_answer(street, fresh_cards, settings,
                                                                               station_factory):
    settings.STATIONS_SEARCH_REFRESH_SECONDS = 60
    current = cards.search_cards()
    newcomer = station_factory(name="后来的站", lat=24.3999, lng=118.10)
    current.index = index.station_index()  # as if another search had rebuilt it after this process's poll
    body = cards.nearest_answer(lat=24.399, lng=118.1, limit=2, max_km=50, now=NOON)
    assert _names(body) == ["后来的站", "街0"] and newcomer.pk not in current.cards  # the next poll stores it


@pytest.mark.django_db(transaction=True)
def test_many_changes_or_a_truncate_build_everything_again(street, fresh_cards, station_factory, monkeypatch):
    first = cards.search_cards()
    monkeypatch.setattr(cards, "FULL_BUILD_ABOVE", 2)
    for i in range(3):
        station_factory(name=f"导入{i}", lat=24.50, lng=118.1 + i * 0.001)
    second = cards.search_cards()
    assert second is not first and len(second) == 8
    assert cards.search_cards() is second  # nothing changed since: brought up to date in place


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif("connection.vendor != 'postgresql'", reason="concurrent writers need PostgreSQL")
def test_a_transaction_open_across_a_poll_is_not_missed(street, fresh_cards):
    """Writer A renames 街0 and stays open; writer B commits a later change; the searcher polls in between (and
    sees B, not A); A commits; the next poll must see A — though A's log row was written, and numbered, before
    B's. (A watermark of "the last row seen" would skip it for good.)"""
    a_wrote, a_may_commit, a_done = threading.Event(), threading.Event(), threading.Event()

    def writer_a():
        from django.db import connections

        try:
            with transaction.atomic():
                Station.objects.filter(pk=street[0].pk).update(name="慢事务的街0")
                a_wrote.set()
                a_may_commit.wait(10)
        finally:
            connections.close_all()
            a_done.set()

    thread = threading.Thread(target=writer_a)
    thread.start()
    assert a_wrote.wait(10)
    Station.objects.filter(pk=street[1].pk).update(name="快事务的街1")  # B: autocommit
    seen = _names(cards.nearest_answer(lat=24.40, lng=118.1, limit=2, max_km=50))
    assert seen == ["街0", "快事务的街1"]
    a_may_commit.set()
    assert a_done.wait(10)
    thread.join()
    assert _names(cards.nearest_answer(lat=24.40, lng=118.1, limit=2, max_km=50)) == ["慢事务的街0", "快事务的街1"]


@pytest.mark.django_db
def test_every_write_a_search_shows_is_logged(station_factory, member_factory):
    """Whoever writes — ORM, queryset update, raw SQL, a cascade — the station is named in the log."""
    station = station_factory()
    other = station_factory()

    def logged_since(mark):
        return set(StationChange.objects.filter(pk__gt=mark).values_list("station_id", flat=True))

    def mark():
        return StationChange.objects.order_by("-pk").values_list("pk", flat=True).first() or 0

    m = mark()
    hours = OpeningHours.objects.create(station=station, weekday=0, opens=time(8), closes=time(9))
    assert logged_since(m) == {station.pk}
    m = mark()
    OpeningHours.objects.filter(pk=hours.pk).update(station=other)  # moved: both stations change
    assert logged_since(m) == {station.pk, other.pk}
    m = mark()
    HoursException.objects.create(station=station, date=date(2026, 12, 25))
    rating = _rate(other, member_factory, 3)
    assert logged_since(m) == {station.pk, other.pk}
    m = mark()
    with connection.cursor() as cursor:
        cursor.execute("UPDATE stations_rating SET reply = %s WHERE id = %s", ["谢谢", rating.pk])
    assert logged_since(m) == {other.pk}
    m = mark()
    Station.objects.filter(pk=station.pk).delete()  # cascades to its exception
    assert logged_since(m) == {station.pk}
    if connection.vendor == "postgresql":
        assert StationChange.objects.filter(txid__isnull=True).count() == 0


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif("connection.vendor != 'postgresql'", reason="TRUNCATE is PostgreSQL's")
def test_a_truncate_logs_every_station_and_the_cards_are_built_again(street, fresh_cards):
    first = cards.search_cards()
    mark = StationChange.objects.order_by("-pk").values_list("pk", flat=True).first()
    with connection.cursor() as cursor:
        cursor.execute("TRUNCATE stations_openinghours")
    assert list(StationChange.objects.filter(pk__gt=mark).values_list("station_id", flat=True)) == [0]
    second = cards.search_cards()
    assert second is not first and not second.weekly


@pytest.mark.django_db
def test_the_log_is_pruned_after_a_day(station_factory):
    station = station_factory()
    StationChange.objects.update(created_at=timezone.now() - timedelta(days=2))
    Station.objects.filter(pk=station.pk).update(name="新名")
    assert services.station_changes_prune() >= 1
    assert list(StationChange.objects.values_list("station_id", flat=True)) == [station.pk]
    assert services.station_changes_prune() == 0


def test_the_prune_runs_daily():
    from portal.celery_app import app as celery_app

    entry = celery_app.conf.beat_schedule["stations-changes-prune"]
    assert entry["task"] == "stations.tasks.station_changes_prune"


@pytest.mark.django_db(transaction=True)
def test_a_web_worker_builds_the_cards_as_it_starts(street, fresh_cards, monkeypatch):
    """gunicorn's post_worker_init starts the build in the background; no request waits for it."""
    import runpy

    from django.conf import settings

    started = []
    real_warm = cards.warm_in_background

    def warm_and_keep(**kwargs):
        started.append(real_warm(**kwargs))
        return started[-1]

    monkeypatch.setattr(cards, "warm_in_background", warm_and_keep)  # the hook imports it when called
    hooks = runpy.run_path(str(settings.BASE_DIR / "gunicorn.conf.py"))
    hooks["post_worker_init"](None)
    [builder] = started
    assert builder.name == "stations-search-warm" and builder.daemon
    builder.join(30)
    assert len(cards._published["default"]) == 5


def test_a_failed_warm_up_is_logged_and_leaves_the_first_search_to_build(monkeypatch, caplog):
    def broken(**_kwargs):
        raise RuntimeError("database not migrated")

    monkeypatch.setattr(cards, "search_cards", broken)
    cards.warm_in_background().join(10)
    assert "building the search's cards at start failed" in caplog.text


@pytest.mark.django_db(transaction=True)
def test_a_process_idle_for_hours_builds_everything_again(street, fresh_cards):
    """The log it would read from may have been pruned meanwhile."""
    first = cards.search_cards()
    first.polled_at -= cards.FULL_BUILD_AFTER_SECONDS + 1
    assert cards.search_cards() is not first


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif("connection.vendor != 'sqlite'", reason="SQLite's watermark is the log's id")
def test_an_emptied_sqlite_log_that_begins_again_builds_everything_again(street, fresh_cards):
    first = cards.search_cards()
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM stations_stationchange")
        cursor.execute("DELETE FROM sqlite_sequence WHERE name = 'stations_stationchange'")
    Station.objects.filter(pk=street[0].pk).update(name="重新编号后的街0")  # logged as id 1 again
    second = cards.search_cards()
    assert second is not first
    assert _names(cards.nearest_answer(lat=24.40, lng=118.1, limit=1, max_km=5))[0] == "重新编号后的街0"
