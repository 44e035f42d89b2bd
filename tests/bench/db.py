"""Small database helpers for the bench that must work before Django is configured.

``python -m tests.bench.db recreate URL NAME`` drops and recreates database NAME on URL's server and prints the
URL of the new database (scripts/bench.sh then migrates into it).
"""

from __future__ import annotations

import sys
from urllib.parse import urlsplit, urlunsplit

import psycopg
from psycopg import sql


def with_database(url: str, name: str) -> str:
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path="/" + name))


def conninfo(url: str) -> str:
    """A libpq conninfo for a postgres:// URL (psycopg accepts URLs, but not the postgis/pgsql schemes)."""
    parts = urlsplit(url)
    return urlunsplit(parts._replace(scheme="postgresql"))


def recreate(url: str, name: str) -> str:
    # Connect to the server's maintenance database: the URL's own database may not exist (or may be NAME).
    with psycopg.connect(conninfo(with_database(url, "postgres")), autocommit=True) as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    return with_database(url, name)


if __name__ == "__main__":
    if len(sys.argv) != 4 or sys.argv[1] != "recreate":
        sys.exit("usage: python -m tests.bench.db recreate DATABASE_URL NAME")
    print(recreate(sys.argv[2], sys.argv[3]))
