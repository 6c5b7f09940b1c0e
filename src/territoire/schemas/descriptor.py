"""Read a Table Schema descriptor the way its authors meant it, and say what we had to assume.

Real schemas from schema.data.gouv.fr are not always valid Table Schema: a name with spaces, a
`required` written beside `constraints` instead of inside, an `example` that does not match its own
type. frictionless refuses the whole schema in those cases and validates nothing; we repair what is
unambiguous, validate the data, and report each repair as a schema warning (see docs/schemas.md).
"""

from __future__ import annotations

import copy
import re
from dataclasses import dataclass, field

from territoire.core.errors import ValidationFailed

TYPES = {
    "string",
    "integer",
    "number",
    "boolean",
    "date",
    "datetime",
    "time",
    "year",
    "yearmonth",
    "duration",
    "geopoint",
    "geojson",
    "array",
    "object",
    "list",
    "any",
}
DEFAULT_MISSING_VALUES = [""]
NAME_PATTERN = re.compile(r"^[-a-z0-9._/]+$")
# Constraints each type accepts (as frictionless and the Table Schema spec say); others are ignored.
SUPPORTED_CONSTRAINTS = {
    "string": {"required", "unique", "minLength", "maxLength", "pattern", "enum"},
    "array": {"required", "unique", "minLength", "maxLength", "enum"},
    "list": {"required", "unique", "minLength", "maxLength"},
    "object": {"required", "unique", "minLength", "maxLength", "enum"},
    "boolean": {"required", "unique", "enum"},
    "geopoint": {"required", "unique", "enum"},
    "geojson": {"required", "unique", "enum"},
    "any": {"required", "unique", "enum"},
    "duration": {"required", "unique", "enum"},
}
ORDERED_CONSTRAINTS = {
    "required",
    "unique",
    "minimum",
    "maximum",
    "exclusiveMinimum",
    "exclusiveMaximum",
    "enum",
}
CONSTRAINT_KEYS = {
    "required",
    "unique",
    "minLength",
    "maxLength",
    "pattern",
    "enum",
    "minimum",
    "maximum",
    "exclusiveMinimum",
    "exclusiveMaximum",
}


@dataclass
class SchemaWarning:
    """Something in the schema we had to repair or ignore; never counted as a data error."""

    field: str | None
    message_fr: str
    message_en: str

    def as_dict(self) -> dict:
        return {"field": self.field, "message_fr": self.message_fr, "message_en": self.message_en}


@dataclass
class NormalizedSchema:
    fields: list[dict]
    primary_key: list[str]
    missing_values: list[str]
    fields_match: str
    name: str | None
    title: str | None
    version: str | None
    warnings: list[SchemaWarning] = field(default_factory=list)


def is_table_schema(descriptor) -> bool:
    return (
        isinstance(descriptor, dict)
        and isinstance(descriptor.get("fields"), list)
        and all(isinstance(item, dict) for item in descriptor["fields"])
    )


def normalize_schema(descriptor: dict) -> NormalizedSchema:
    """A copy of the descriptor with each field complete (type, format, constraints, missingValues)."""
    if not is_table_schema(descriptor):
        raise ValidationFailed(
            "Ce fichier n'est pas un Table Schema : il lui manque la liste « fields ».",
            "This is not a Table Schema: the 'fields' list is missing.",
            where="schema",
        )
    warnings: list[SchemaWarning] = []
    missing_values = descriptor.get("missingValues", DEFAULT_MISSING_VALUES)
    missing_values = _missing_value_list(missing_values)
    fields = []
    names: set[str] = set()
    for position, raw in enumerate(descriptor["fields"], start=1):
        spec = copy.deepcopy(raw)
        name = spec.get("name")
        if not isinstance(name, str) or not name:
            raise ValidationFailed(
                f"Le champ n° {position} du schéma n'a pas de nom.",
                f"Field #{position} of the schema has no name.",
                where=f"schema.fields[{position - 1}]",
            )
        if name in names:
            raise ValidationFailed(
                f"Le schéma déclare deux fois le champ « {name} ».",
                f"The schema declares the field '{name}' twice.",
                where=f"schema.fields[{position - 1}]",
            )
        names.add(name)
        fields.append(_normalize_field(spec, missing_values, warnings))
    primary_key = descriptor.get("primaryKey") or []
    if isinstance(primary_key, str):
        primary_key = [primary_key]
    unknown = [key for key in primary_key if key not in names]
    if unknown:
        warnings.append(
            SchemaWarning(
                None,
                f"La clé primaire cite des champs absents du schéma ({', '.join(unknown)}) : elle est ignorée.",
                f"The primary key names fields missing from the schema ({', '.join(unknown)}): ignored.",
            )
        )
        primary_key = []
    name = descriptor.get("name")
    if isinstance(name, str) and not NAME_PATTERN.match(name):
        warnings.append(
            SchemaWarning(
                None,
                f"Le nom du schéma « {name} » ne suit pas le format attendu (minuscules, chiffres, - . _ /) ; sans effet sur la validation.",
                f"The schema name '{name}' does not follow the expected format (lower case, digits, - . _ /); no effect on validation.",
            )
        )
    fields_match = descriptor.get("fieldsMatch", "exact")
    if fields_match not in {"exact", "equal", "subset", "superset", "partial"}:
        warnings.append(
            SchemaWarning(
                None,
                f"« fieldsMatch » vaut « {fields_match} », valeur inconnue : « exact » est utilisé.",
                f"Unknown fieldsMatch '{fields_match}': 'exact' is used.",
            )
        )
        fields_match = "exact"
    return NormalizedSchema(
        fields=fields,
        primary_key=list(primary_key),
        missing_values=missing_values,
        fields_match=fields_match,
        name=descriptor.get("name"),
        title=descriptor.get("title"),
        version=descriptor.get("version"),
        warnings=warnings,
    )


def _missing_value_list(values) -> list[str]:
    # Table Schema v2 allows [{"value": "-", "label": "..."}]
    result = []
    for value in values or []:
        if isinstance(value, dict):
            value = value.get("value")
        if value is not None:
            result.append(str(value))
    return result


def _normalize_field(spec: dict, schema_missing: list[str], warnings: list[SchemaWarning]) -> dict:
    name = spec["name"]
    field_type = spec.get("type") or "string"
    if field_type not in TYPES:
        warnings.append(
            SchemaWarning(
                name,
                f"Champ {name} : type « {field_type} » inconnu, la colonne est acceptée telle quelle.",
                f"Field {name}: unknown type '{field_type}', the column is accepted as is.",
            )
        )
        field_type = "any"
    spec["type"] = field_type
    field_format = spec.get("format") or "default"
    if isinstance(field_format, str) and field_format.startswith("fmt:"):
        field_format = field_format[4:]
    spec["format"] = field_format
    constraints = dict(spec.get("constraints") or {})
    for key in sorted(CONSTRAINT_KEYS & set(spec)):
        # `required` (or `pattern`, `enum`) written beside `constraints`: the author's intent is clear.
        if key not in constraints:
            constraints[key] = spec[key]
        warnings.append(
            SchemaWarning(
                name,
                f"Champ {name} : « {key} » devrait être dans « constraints » ; il est appliqué comme contrainte.",
                f"Field {name}: '{key}' should be inside 'constraints'; it is applied as a constraint.",
            )
        )
    supported = SUPPORTED_CONSTRAINTS.get(field_type, ORDERED_CONSTRAINTS)
    for key in list(constraints):
        if key not in supported:
            warnings.append(
                SchemaWarning(
                    name,
                    f"Champ {name} : la contrainte « {key} » ne s'applique pas au type {field_type}, elle est ignorée.",
                    f"Field {name}: constraint '{key}' does not apply to type {field_type}; ignored.",
                )
            )
            del constraints[key]
    spec["constraints"] = constraints
    if "missingValues" in spec:
        spec["missingValues"] = _missing_value_list(spec["missingValues"])
    else:
        spec["missingValues"] = list(schema_missing)
    return spec
