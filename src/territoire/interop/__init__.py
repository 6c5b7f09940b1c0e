"""Interoperability front-ends: DCAT-AP 3 catalogue, CKAN action API, OpenDataSoft Explore v2.1.

Each is a thin adapter over the catalogue selectors (and, for records, the query engine over the
lake): no front-end decides on its own who may see what.
"""
