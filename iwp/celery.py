"""The Celery application. Settings come from Django settings under the ``CELERY_`` namespace."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "iwp.settings")

app = Celery("iwp")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
