from members import demo as members_demo
from stations import demo
from stations.models import OpeningHours, Station


def test_demo_is_deterministic_and_idempotent(db):
    members_demo.seed()
    rows = demo.seed()
    count, hours = Station.objects.count(), OpeningHours.objects.count()
    assert 250 <= count <= 400 and hours > count
    assert set(Station.objects.values_list("district", flat=True)) == set(demo.DISTRICTS)
    first = list(Station.objects.order_by("code").values_list("code", "name", "lat", "lng")[:5])
    demo.seed()
    assert Station.objects.count() == count and OpeningHours.objects.count() == hours
    assert rows and rows[0][1] == demo.MANAGER_MOBILE
    Station.objects.all().delete()
    demo.seed()
    assert list(Station.objects.order_by("code").values_list("code", "name", "lat", "lng")[:5]) == first
