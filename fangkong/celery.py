"""Celery app: Redis broker in production; tasks run eagerly when no broker is configured."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "fangkong.settings")
app = Celery("fangkong")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
