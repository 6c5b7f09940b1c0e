from __future__ import annotations

import datetime
from typing import Literal

from ninja import Field, Schema


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


class PublicationIn(Schema):
    """One step of the publication workflow (and the personal-data decision request)."""

    action: Literal["submit", "publish", "unpublish", "send_back", "request_decision"] = Field(
        description=(
            "submit: soumettre à l'administrateur des données ; publish ; unpublish ; "
            "send_back: renvoyer au relais (commentaire obligatoire) ; request_decision: demander "
            "une décision sur les données personnelles."
        )
    )
    comment: str = ""


class DecisionIn(Schema):
    decision: Literal["publish_as_is", "keep_private"]
    reason: str


class PublicationOut(Schema):
    slug: str
    publication_state: str
    is_published: bool
    review_required: bool
    review_comment: str
    personal_data_review_requested: bool
