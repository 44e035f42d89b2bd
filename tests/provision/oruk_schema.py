"""Validation against the vendored Open Referral UK profile schema (``schema/``, see its README).

The compiled files are JSON Schema objects with the Data Package's extra keys (``constraints``,
``datapackage_type``…), which JSON Schema ignores. What is checked, as draft 2020-12 (the dialect the profile's
OpenAPI file names):
- every service against ``compiled/service.json`` (types, enums, required keys, nested objects), and in a page
  each item against ``compiled/service_list.json`` too; the page against ``openapi.json``'s ``Page``;
- formats, strictly: ``uuid`` and ``email`` (jsonschema's own), plus ``uri`` and ``date-time``, which jsonschema
  only checks with optional packages we do not install, so they are checked here;
- the Data Package types the JSON Schema cannot express: every ``datapackage_type: date`` value is an ISO date
  and every ``datapackage_type: time`` value an ``HH:MM`` / ``HH:MM:SS`` time.
"""

from __future__ import annotations

import json
from datetime import date, datetime, time
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

from jsonschema import Draft202012Validator, FormatChecker

SCHEMA = Path(__file__).parent / "schema"

FORMATS = FormatChecker()


@FORMATS.checks("uri", raises=ValueError)
def _uri(value: object) -> bool:
    if not isinstance(value, str):
        return True
    parts = urlparse(value)
    return bool(parts.scheme and parts.netloc)


@FORMATS.checks("date-time", raises=ValueError)
def _date_time(value: object) -> bool:
    if isinstance(value, str):
        datetime.fromisoformat(value.replace("Z", "+00:00"))
    return True


@cache
def _load(name: str) -> dict[str, Any]:
    return json.loads((SCHEMA / name).read_text())


def _errors(schema: dict[str, Any], instance: Any) -> list[str]:
    validator = Draft202012Validator(schema, format_checker=FORMATS)
    return [
        f"{'/'.join(map(str, e.absolute_path)) or '(root)'}: {e.message}"
        for e in validator.iter_errors(instance)
    ]


def _datapackage_errors(schema: dict[str, Any], instance: Any, path: str = "") -> list[str]:
    """Walk the instance along the schema and check the ``datapackage_type`` dates and times."""
    errors: list[str] = []
    kind = schema.get("datapackage_type")
    if isinstance(instance, str) and kind in ("date", "time"):
        try:
            date.fromisoformat(instance) if kind == "date" else time.fromisoformat(instance)
        except ValueError:
            errors.append(f"{path}: {instance!r} is not a {kind}")
    if isinstance(instance, dict):
        for key, sub in (schema.get("properties") or {}).items():
            if key in instance:
                errors += _datapackage_errors(sub, instance[key], f"{path}/{key}")
    if isinstance(instance, list) and isinstance(schema.get("items"), dict):
        for n, item in enumerate(instance):
            errors += _datapackage_errors(schema["items"], item, f"{path}/{n}")
    return errors


def service_errors(service: dict[str, Any]) -> list[str]:
    schema = _load("compiled/service.json")
    return _errors(schema, service) + _datapackage_errors(schema, service)


def list_item_errors(service: dict[str, Any]) -> list[str]:
    schema = _load("compiled/service_list.json")
    return _errors(schema, service) + _datapackage_errors(schema, service)


def page_errors(page: dict[str, Any]) -> list[str]:
    wrapper = _load("openapi.json")["components"]["schemas"]["Page"]
    errors = _errors(wrapper, page)
    missing = [key for key in wrapper["properties"] if key not in page]
    errors += [f"(root): the Page key {key!r} is missing" for key in missing]
    for n, item in enumerate(page.get("contents", [])):
        errors += [f"contents/{n}/{e}" for e in list_item_errors(item) + service_errors(item)]
    return errors
