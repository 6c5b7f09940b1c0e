from __future__ import annotations

import pytest

from territoire.access import services

from .conftest import later

pytestmark = pytest.mark.django_db


def test_scoped_grant_on_native_records(client, levels, reuser, data_officer):
    request = services.access_request_create(
        actor=reuser, dataset=levels.restricted, purpose="Étude de la consommation d'eau à Lattes"
    )
    services.access_request_grant(
        actor=data_officer,
        request=request,
        expires_at=later(),
        columns=["commune", "date_releve", "volume_m3"],
        row_filters=[{"column": "commune", "op": "=", "value": "Lattes"}],
        period={"column": "date_releve", "start": "2024-01-01", "end": "2024-12-31"},
    )
    client.force_login(reuser)
    response = client.get(f"/api/v1/datasets/{levels.restricted.slug}/records")
    assert response.status_code == 200, response.content
    body = response.json()
    print(body)
