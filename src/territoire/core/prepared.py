"""Querysets compiled to SQL once and run many times with one value changed.

Building a Django queryset (filters, joins, ``values_list``) and compiling it costs about a
millisecond, which dominates the hottest reads (one record by id: the dataset lookup was half of
the request). :class:`PreparedQuery` builds the queryset once with a placeholder value, keeps the
SQL text and its parameters, and then only swaps the placeholder for the real value: the SQL
is the ORM's own, and every value still travels as a bound parameter.

Only for querysets whose SQL depends on nothing but the one value: the caller decides which
(e.g. the catalogue's access filter for anonymous readers, which is the same for all of them).
Values come back raw from the database driver: JSON columns arrive as text (both Django's
SQLite and PostgreSQL back ends hand them over undecoded), see :func:`json_value`.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable

from django.db import connections
from django.db.models import QuerySet

_PLACEHOLDER = "\x00territoire-prepared-placeholder\x00"


class PreparedQuery:
    def __init__(self, build: Callable[[str], QuerySet]):
        """``build(value)`` returns the queryset for ``value`` (a text value)."""
        self._build = build
        self._compiled: dict[str, tuple[str, list, int]] = {}
        self._lock = threading.Lock()

    def _compile(self, alias: str) -> tuple[str, list, int]:
        compiled = self._compiled.get(alias)
        if compiled is None:
            queryset = self._build(_PLACEHOLDER).using(alias)
            sql, params = queryset.query.get_compiler(using=alias).as_sql()
            params = list(params)
            positions = [i for i, p in enumerate(params) if p == _PLACEHOLDER]
            if len(positions) != 1:
                raise ValueError("the placeholder must appear exactly once in the parameters")
            compiled = (sql, params, positions[0])
            with self._lock:
                self._compiled[alias] = compiled
        return compiled

    def rows(self, value: str, *, using: str = "default") -> list[tuple]:
        sql, params, position = self._compile(using)
        bound = list(params)
        bound[position] = value
        with connections[using].cursor() as cursor:
            cursor.execute(sql, bound)
            return cursor.fetchall()


def json_value(raw):
    """A JSON column's value as read by :meth:`PreparedQuery.rows`."""
    if isinstance(raw, str | bytes | bytearray):
        return json.loads(raw)
    return raw
