"""Background work the core tracks: long jobs with progress that heal (``jobs``), and the outbox that hands work
to Celery durably (``outbox``)."""
