"""Writes to the registers: each change of an entry, its links included, is one audit event with
its old → new values, in the same transaction."""

from .algorithms import algorithm_create, algorithm_delete, algorithm_update
from .processing import processing_create, processing_delete, processing_update

__all__ = [
    "algorithm_create",
    "algorithm_delete",
    "algorithm_update",
    "processing_create",
    "processing_delete",
    "processing_update",
]
