"""A task round-trip through the real Redis broker and a real Celery worker."""

import pytest

from iwp.tasks import ping


@pytest.mark.celery_worker
@pytest.mark.django_db(transaction=True)
def test_task_round_trip_through_redis_and_worker(celery_worker):
    result = ping.delay(41)
    assert result.get(timeout=20) == 42
    assert result.successful()
