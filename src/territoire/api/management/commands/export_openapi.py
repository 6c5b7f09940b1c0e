"""Print the native API's OpenAPI document (committed as docs/openapi.json)."""

import json

from django.core.management.base import BaseCommand

from territoire.api.api import api


class Command(BaseCommand):
    help = "Print the OpenAPI document of /api/v1/ as JSON."

    def handle(self, *args, **options):
        self.stdout.write(
            json.dumps(
                api.get_openapi_schema(path_prefix="/api/v1"),
                indent=2,
                ensure_ascii=False,
                sort_keys=True,
            )
        )
