"""Geolocated reports (signalements): voirie, propreté, éclairage… filed by citizens with a photo
and a place, followed through a status workflow by the service in charge, published as an open
dataset without authors, and served through the Open311 GeoReport v2 API."""
