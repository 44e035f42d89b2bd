"""Helpers for the REST API's tests (issue #15)."""

from __future__ import annotations

from django.db import connection
from django.test.utils import CaptureQueriesContext


def assert_error(response, status: int, code: str | None = None) -> dict:
    """Every error has the one format: ``detail`` (text), ``code`` (text), ``errors`` (an object)."""
    assert response.status_code == status, response.content
    assert response["Content-Type"].startswith("application/json")
    body = response.json()
    assert isinstance(body["detail"], str) and body["detail"]
    assert isinstance(body["code"], str) and body["code"]
    assert isinstance(body["errors"], dict)
    if code is not None:
        assert body["code"] == code, body
    return body


def queries(client, url: str) -> int:
    """How many queries one GET of ``url`` costs (after a first call, so a token's once-a-minute note of its use
    is not counted)."""
    client.get(url)
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200, response.content
    return len(ctx.captured_queries)
