"""Anonymising transforms: a plan of JSON steps compiled to DuckDB SQL (see :mod:`.plan`).

Steps: ``drop``, ``pseudonymise``, ``generalise_date``, ``age_bands``, ``address_to_street``,
``top_code``, ``rare_categories`` (:mod:`.steps`), ``coordinates_to_grid``,
``coordinates_to_area`` (:mod:`.geo`).
"""

from . import geo, steps  # noqa: F401 - registers the steps
from .plan import STEPS, CompiledPlan, TransformPlan, apply_plan
from .pseudonym import PseudonymKey

__all__ = ["STEPS", "CompiledPlan", "PseudonymKey", "TransformPlan", "apply_plan"]
