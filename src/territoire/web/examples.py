"""Ready-to-copy API examples for a dataset: curl, Python with requests, and the OpenDataSoft and
CKAN equivalents — with the table's current filter when there is one.

The addresses start with the origin the visitor reached the page at (scheme and ``Host``, which
Django checks against ``ALLOWED_HOSTS`` before any view runs), not ``TERRITOIRE_BASE_URL``: a site
served on another port or name than the configured one still gives a ``curl`` that works."""

from __future__ import annotations

import json
from urllib.parse import urlencode

from django.http import HttpRequest


def request_origin(request: HttpRequest) -> str:
    """``https://host:port`` as the visitor sees this site (``get_host`` refuses unknown hosts)."""
    return f"{request.scheme}://{request.get_host()}"


def api_examples(dataset, version, *, origin: str, where: str = "") -> list[dict]:
    base = origin.rstrip("/")
    slug = dataset.slug
    records = f"{base}/api/explore/v2.1/catalog/datasets/{slug}/records"
    params = {"limit": 20}
    if where:
        params["where"] = where
    first_text = next((c for c in version.columns if c["type"] == "text"), None)
    group = first_text["id"] if first_text else None
    ods_url = records + "?" + urlencode(params)
    python_params = json.dumps(params, ensure_ascii=False)
    ckan = f"{base}/api/3/action/datastore_search"
    ckan_params = {"resource_id": slug, "limit": 20}
    examples = [
        {
            "id": "curl",
            "title": "curl",
            "language": "shell",
            "code": f'curl "{ods_url}"',
        },
        {
            "id": "python",
            "title": "Python (requests)",
            "language": "python",
            "code": (
                "import requests\n\n"
                f'url = "{records}"\n'
                f"response = requests.get(url, params={python_params}, timeout=30)\n"
                "response.raise_for_status()\n"
                'for record in response.json()["results"]:\n'
                "    print(record)"
            ),
        },
        {
            "id": "ods",
            "title": "OpenDataSoft Explore v2.1",
            "language": "http",
            "code": "GET "
            + records
            + "?"
            + urlencode(
                {
                    "select": f"{group}, count(*) as n" if group else "count(*) as n",
                    **({"where": where} if where else {}),
                    **({"group_by": group, "order_by": "n desc"} if group else {}),
                    "limit": 10,
                }
            ),
        },
        {
            "id": "ckan",
            "title": "CKAN datastore_search",
            "language": "python",
            "code": (
                "from ckanapi import RemoteCKAN\n\n"
                f'portal = RemoteCKAN("{base}")\n'
                f"result = portal.action.datastore_search(resource_id={slug!r}, limit=20)\n"
                'print(result["total"], result["records"][:3])\n\n'
                f'# or: curl "{ckan}?{urlencode(ckan_params)}"'
            ),
        },
        {
            "id": "export",
            "title": "Export CSV",
            "language": "shell",
            "code": f'curl -o {slug}.csv "{base}/api/explore/v2.1/catalog/datasets/{slug}/exports/csv'
            + ("?" + urlencode({"where": where}) if where else "")
            + '"',
        },
    ]
    return examples
