"""Open311 GeoReport v2 (http://wiki.open311.org/GeoReport_v2), the standard that reporting
apps and clients speak: discovery, services (the report categories), service definitions, and
service requests (the reports) to list, show and create with an API key (an accounts token with
the "write" scope). JSON and XML; errors in the specification's shape."""
