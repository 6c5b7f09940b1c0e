"""Territoire: the data platform of a French territory."""

__version__ = "0.1.0"
