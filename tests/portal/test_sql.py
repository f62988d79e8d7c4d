"""The plain INSERT of portal.sql stores rows exactly as the ORM does.

(Its UPDATE is tested on claims in tests/benefits/test_claims_assess_cost.py.)"""

import datetime

import pytest
from django.utils import timezone

from members.models import AuditLogEntry
from portal.sql import row_insert

pytestmark = pytest.mark.django_db


def test_an_inserted_row_reads_back_like_one_the_orm_created(user_factory):
    actor = user_factory()
    at = timezone.make_aware(datetime.datetime(2026, 3, 1, 9, 30), timezone.get_default_timezone())
    data = {"金额": "12.30", "nested": [1, {"a": None}]}
    fast = row_insert(AuditLogEntry(actor=actor, action="test.fast", target_id="7", data=data, created_at=at))
    slow = AuditLogEntry.objects.create(actor=actor, action="test.slow", target_id="7", data=data, created_at=at)
    assert fast.pk is not None and fast.pk != slow.pk and not fast._state.adding
    stored_fast, stored_slow = AuditLogEntry.objects.get(pk=fast.pk), AuditLogEntry.objects.get(pk=slow.pk)
    for name in ("actor_id", "target_id", "data", "created_at", "target_type_id"):
        assert getattr(stored_fast, name) == getattr(stored_slow, name)
    defaults = row_insert(AuditLogEntry(action="test.defaults"))
    stored = AuditLogEntry.objects.get(pk=defaults.pk)
    assert stored.data == {} and stored.actor_id is None
    assert abs(stored.created_at - timezone.now()) < datetime.timedelta(minutes=1)

