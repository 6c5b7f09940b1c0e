"""The admin's keywords: typed as people type them, not as JSON."""

from __future__ import annotations

import pytest
from django.urls import reverse

from territoire.catalog.models import Dataset
from territoire.catalog.tests.test_publication_paths import _change_form

pytestmark = pytest.mark.django_db


def test_admin_takes_comma_separated_keywords(client, make_dataset, steward):
    dataset = make_dataset("Stations de vélos")
    client.force_login(steward)
    url = reverse("admin:catalog_dataset_change", args=[dataset.pk])
    response = client.post(url, _change_form(dataset, keywords="vélo, stations; mobilité"))
    assert response.status_code == 302
    assert Dataset.objects.get(pk=dataset.pk).keywords == ["vélo", "stations", "mobilité"]
    assert 'value="vélo, stations, mobilité"' in client.get(url).content.decode()
