"""Reads of records, for every front-end: the native API, OpenDataSoft (records, facets,
exports), CKAN's datastore, DCAT's distributions and the portal's table, map and chart.

- ``served``: what is served and to whom (the dataset a reader may see, the version read);
- ``analysis``: what a query is (its order keys, filters), read from its validated plan;
- ``sources``: where it runs — the one seam between the reads and the structures that make
  them fast (the serving file built at ingestion: sorted and spatial copies, word index; else Parquet);
- ``pages``: pages with their count and cursor, one record by id;
- ``facets``: value counts of fields;
- ``exports``: the rows of a whole export, for the writers of ``records.exports``;
- ``fields``: the fields as people read them (the columns with their documentation).
"""

from ..odsql import check_paging
from .analysis import Analysis, analyze
from .compiled import TIMEOUT_S
from .exports import export_cursor, export_query, export_rows, output_columns
from .facets import default_facets, record_facets
from .fields import FieldDoc, fields_documented, table_schema
from .lookup import record_get
from .pages import MAX_LIMIT, record_page, version_page
from .served import VERSION_FIELDS, Served, Version, served_for, served_for_actor, served_get

__all__ = [
    "MAX_LIMIT",
    "TIMEOUT_S",
    "VERSION_FIELDS",
    "Analysis",
    "FieldDoc",
    "Served",
    "Version",
    "analyze",
    "check_paging",
    "default_facets",
    "export_cursor",
    "export_query",
    "export_rows",
    "fields_documented",
    "output_columns",
    "record_facets",
    "record_get",
    "record_page",
    "served_for",
    "served_for_actor",
    "served_get",
    "table_schema",
    "version_page",
]
