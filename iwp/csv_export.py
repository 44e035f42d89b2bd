"""The one CSV writer every download uses: spreadsheet formulas in the data are neutralised.

A cell that a spreadsheet would read as a formula — text starting with ``=``, ``+``, ``-``, ``@``, a tab or a
carriage return (OWASP "CSV injection") — is written with a single quote in front, so Excel, LibreOffice and
Google Sheets show it as text: a claimant named ``=HYPERLINK("…")`` is exported as the literal ``'=HYPERLINK("…")``.
Numbers passed as numbers (an id, a count, a ``Decimal``) are written as they are: only text is neutralised.

Our own rather than ``defusedcsv``: that library does not neutralise a leading tab or carriage return, and rewrites
every ``|`` inside a neutralised cell as ``\\|``, changing the data; this rule is five lines and tested here
(``tests/iwp/test_csv_export.py``), and a test fails if any module writes CSV with the standard library directly.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator
from decimal import Decimal
from typing import Any

from django.http import HttpResponse, StreamingHttpResponse

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
CONTENT_TYPE = "text/csv; charset=utf-8"


def neutralise(value: Any) -> Any:
    """The cell as it is safe to write: text that a spreadsheet would run as a formula gets a leading quote."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float | Decimal):
        return value
    text = str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


class SafeWriter:
    """``csv.writer`` with every cell neutralised."""

    def __init__(self, stream: Any, **fmtparams: Any) -> None:
        self._writer = csv.writer(stream, **fmtparams)

    def writerow(self, row: Iterable[Any]) -> Any:
        return self._writer.writerow([neutralise(cell) for cell in row])

    def writerows(self, rows: Iterable[Iterable[Any]]) -> None:
        for row in rows:
            self.writerow(row)


def csv_text(rows: Iterable[Iterable[Any]]) -> str:
    out = io.StringIO()
    SafeWriter(out).writerows(rows)
    return out.getvalue()


def _disposition(filename: str) -> str:
    return f'attachment; filename="{filename}"'


def csv_response(rows: Iterable[Iterable[Any]], *, filename: str) -> HttpResponse:
    """A CSV download built in memory (small files)."""
    response = HttpResponse(csv_text(rows), content_type=CONTENT_TYPE)
    response["Content-Disposition"] = _disposition(filename)
    return response


class _Echo:
    def write(self, value: str) -> str:
        return value


def csv_streaming_response(rows: Iterable[Iterable[Any]], *, filename: str) -> StreamingHttpResponse:
    """A CSV download written row by row as the rows come (large files are never held in memory)."""
    writer = SafeWriter(_Echo())

    def lines() -> Iterator[str]:
        for row in rows:
            yield writer.writerow(row)

    response = StreamingHttpResponse(lines(), content_type=CONTENT_TYPE)
    response["Content-Disposition"] = _disposition(filename)
    return response
