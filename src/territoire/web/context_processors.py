from django.conf import settings

from territoire.territories.selectors import home_territory


def site(request):
    return {
        "home_territory": home_territory(),
        "site_name": "Territoire",
        "tile_url": settings.TERRITOIRE_TILE_URL,
        "tile_attribution": settings.TERRITOIRE_TILE_ATTRIBUTION,
    }
