from __future__ import annotations

import datetime

from ninja import Schema


class DatasetOut(Schema):
    slug: str
    title: str
    description: str
    publisher: str
    publisher_service: str | None
    access_level: str
    is_published: bool
    licence: str
    frequency: str
    themes: list[str]
    keywords: list
    territories: list[str]
    created_at: datetime.datetime
    modified_at: datetime.datetime
