"""The portal names a dataset's steward by their name, never by their account's username (half of
a login: readers get no list of staff accounts to try)."""

from __future__ import annotations

import pytest
from django.test import Client


@pytest.mark.django_db
def test_a_steward_without_a_name_is_not_shown_by_username(make_dataset, steward):
    dataset = make_dataset("Budget", publish=True, steward=steward)
    page = Client().get(f"/jeux-de-donnees/{dataset.slug}/").content.decode()
    assert "Relais données" not in page and ">steward<" not in page
    steward.first_name, steward.last_name = "Karim", "Benali"
    steward.save()
    page = Client().get(f"/jeux-de-donnees/{dataset.slug}/").content.decode()
    assert "Karim Benali" in page
