"""Durable hand-off of background work (issue #14): a transactional outbox.

A service that changes something writes the work the change implies as a ``TaskIntent`` row *in the same
transaction*; once the transaction commits, the intent is sent to Celery at once (one quick try: the page never
waits on a dead Redis). If sending fails — Redis stopped, the network gone — the intent simply stays waiting, and
the relay (``relay_waiting``: every minute by beat, and at once when the next change is sent) sends it when the
broker is back. Nothing a user asked for is lost between the database and the broker, because the database holds
it; and nothing is done twice by the outbox, because an intent is marked sent in the row that holds it (the tasks
are idempotent besides, so a redelivery has one effect).

Hand-written rather than a library: the one candidate on PyPI (django-celery-outbox) is young and little used,
and the whole mechanism is one table, one send and one relay loop below.
"""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Sequence
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db import DatabaseError, connection, connections, transaction
from django.utils import timezone

from iwp.celery import app
from iwp.models import TaskIntent

logger = logging.getLogger(__name__)

RELAY_BATCH = 500


def send_on_commit(task: str, *args: Any, key: str = "", background: bool = False) -> None:
    """Record that ``task(*args)`` must run because of the change in the current transaction; send it when the
    transaction commits. With a ``key``, an intent already waiting under that key stands for this one too.

    ``background``: long work (an uprating). Without a broker (the embedded default runs tasks in-process) it runs
    in a thread after the commit, so the request returns and its progress can be watched
    (``IWP_BACKGROUND_THREADS``, on by default when tasks run in-process)."""
    if key and connection.vendor == "postgresql":
        # ON CONFLICT on the partial unique index: a repeat while one is waiting adds nothing, never an error.
        with connection.cursor() as cursor:
            cursor.execute(
                f"INSERT INTO {TaskIntent._meta.db_table} (task, args, key, created_at, attempts, last_error) "  # noqa: S608
                "VALUES (%s, %s::jsonb, %s, now(), 0, '') "
                "ON CONFLICT (key) WHERE dispatched_at IS NULL AND key <> '' DO NOTHING RETURNING id",
                [task, json.dumps(list(args)), key],
            )
            row = cursor.fetchone()
        if row is None:
            return  # the waiting intent will do it (it reads the committed state when it runs)
        intent_id = row[0]
    else:
        if key and TaskIntent.objects.filter(key=key, dispatched_at__isnull=True).exists():
            return
        intent_id = TaskIntent.objects.create(task=task, args=list(args), key=key).pk
    if background and app.conf.task_always_eager and settings.IWP_BACKGROUND_THREADS:
        transaction.on_commit(lambda: _dispatch_in_thread(intent_id))
        return
    transaction.on_commit(lambda: _dispatch_after_commit(intent_id))


def runs_in_process() -> bool:
    """No broker (the embedded default, unit tests): a task sent is run here and now."""
    return bool(app.conf.task_always_eager)


def _waiting(intent_id: int) -> TaskIntent | None:
    """The intent, locked for this transaction, if it still waits; None if it was sent already or is being sent
    right now (by the relay, or the send after its commit)."""
    return (
        TaskIntent.objects.select_for_update(skip_locked=True)
        .filter(pk=intent_id, dispatched_at__isnull=True)
        .first()
    )


def _run_claimed(intent_id: int) -> None:
    """Mark the intent sent in a transaction of its own, then run it outside any transaction: long work (an
    uprating) then commits its parts as it goes, and a failure it records (the job marked failed, so it can be
    resumed) is kept rather than rolled back with the intent's lock."""
    with transaction.atomic():
        intent = _waiting(intent_id)
        if intent is None:
            return
        intent.dispatched_at = timezone.now()
        intent.save(update_fields=["dispatched_at"])
    _send(intent)


def _dispatch_in_thread(intent_id: int) -> threading.Thread:
    """Run the intent in a daemon thread on its own database connection (the embedded default's "worker"). A
    failure is logged and left to the job's own record (a failed job can be resumed from its page)."""

    def run() -> None:
        try:
            _run_claimed(intent_id)
        except Exception:
            logger.exception("background intent %s failed in its thread", intent_id)
        finally:
            connections.close_all()

    thread = threading.Thread(target=run, name=f"iwp-background-{intent_id}", daemon=True)
    thread.start()
    return thread


def _dispatch_after_commit(intent_id: int) -> None:
    """The change is committed: a failure to send now (the database or Redis going away) must not turn the
    user's saved change into an error page. The intent is in the database; the relay sends it."""
    if app.conf.task_always_eager:
        dispatch([intent_id])  # in-process, a failure is the task's own: let it show
        return
    try:
        dispatch([intent_id])
    except DatabaseError as error:
        logger.warning("intent %s not sent after commit (kept for the relay): %s", intent_id, error)


def dispatch(intent_ids: Sequence[int]) -> int:
    """Send the given waiting intents; returns how many were sent. A failure leaves the intent waiting."""
    sent = 0
    for intent_id in intent_ids:
        with transaction.atomic():
            intent = _waiting(intent_id)
            if intent is None:
                continue
            try:
                _send(intent)
            except Exception as error:
                intent.attempts += 1
                intent.last_error = f"{type(error).__name__}: {error}"[:500]
                intent.save(update_fields=["attempts", "last_error"])
                logger.warning("task %s not sent (kept for the relay): %s", intent.task, intent.last_error)
                if app.conf.task_always_eager:
                    raise  # in-process (the demo, unit tests) a failure is the task's own: show it
                continue
            intent.dispatched_at = timezone.now()
            intent.save(update_fields=["dispatched_at"])
            sent += 1
    return sent


def _send(intent: TaskIntent) -> None:
    if app.conf.task_always_eager:  # no broker (the laptop demo, unit tests): run it here and now
        if intent.task not in app.tasks:
            app.loader.import_default_modules()  # each app's tasks module (Celery's autodiscovery)
        app.tasks[intent.task].apply_async(args=intent.args)
    else:  # by name: the web process need not import the task's module
        # No result wanted: with a result backend on a dead Redis, asking for one would wait on its reconnects.
        app.send_task(
            intent.task,
            args=intent.args,
            retry=False,
            ignore_result=True,
            queue=settings.CELERY_TASK_DEFAULT_QUEUE,
        )


def relay_waiting(*, limit: int = RELAY_BATCH) -> int:
    """Send every waiting intent, oldest first (beat, every minute; safe to run twice at once)."""
    total = 0
    while True:
        ids = list(
            TaskIntent.objects.filter(dispatched_at__isnull=True)
            .order_by("created_at")
            .values_list("pk", flat=True)[:limit]
        )
        if not ids:
            return total
        sent = dispatch(ids)
        total += sent
        if sent < len(ids):
            return total  # the broker is still down: try again at the next tick


def backlog(*, older_than: timedelta = timedelta(minutes=5)) -> int:
    """Intents waiting longer than they should (readiness: the relay is not keeping up, or Redis is down)."""
    return TaskIntent.objects.filter(
        dispatched_at__isnull=True, created_at__lt=timezone.now() - older_than
    ).count()


def forget_sent(*, older_than: timedelta = timedelta(days=7)) -> int:
    """Sent intents are kept a week for inspection, then removed."""
    deleted, _ = TaskIntent.objects.filter(dispatched_at__lt=timezone.now() - older_than).delete()
    return deleted
