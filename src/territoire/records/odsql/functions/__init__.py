"""ODSQL functions: the registry (``registry``) and its entries, written by kind."""

from . import aggregates, grouping, predicates, scalars  # noqa: F401 - each registers its functions
from .registry import (
    AGGREGATE,
    GROUPING,
    PREDICATE,
    REGISTRY,
    SCALAR,
    Function,
    check_call,
    get,
    is_aggregate,
    register,
)

__all__ = [
    "AGGREGATE",
    "GROUPING",
    "PREDICATE",
    "REGISTRY",
    "SCALAR",
    "Function",
    "check_call",
    "get",
    "is_aggregate",
    "register",
]
