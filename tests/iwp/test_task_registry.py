"""Every task the app enqueues or schedules is registered where a real worker looks (autodiscovery)."""

from django.conf import settings

from iwp.celery import app

EXPECTED = {
    "iwp.ping",
    "iwp.background_jobs_mark_stalled",
    "claimants.recalculate_claimant",
    "claimants.recalculate_claimants",
    "claimants.iwp_offer_sweep",
    "claimants.uprating_run",
    "claimants.uprating_chunk",
}


def test_worker_knows_every_task():
    app.loader.import_default_modules()
    assert set(app.tasks) >= EXPECTED


def test_every_beat_entry_names_a_registered_task():
    app.loader.import_default_modules()
    for name, entry in settings.CELERY_BEAT_SCHEDULE.items():
        assert entry["task"] in app.tasks, name
