from __future__ import annotations

from ninja import Schema


class StatusOut(Schema):
    status: str
    version: str
    territory: str | None


class TerritoryOut(Schema):
    kind: str
    code: str
    name: str
    siren: str
    population: int | None
    parent_code: str | None
    departement_code: str


class TerritoryDetailOut(TerritoryOut):
    members: list[TerritoryOut]
    geometry: dict | None
