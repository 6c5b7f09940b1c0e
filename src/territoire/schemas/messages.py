"""French (first) and English wording of every validation error group, with what to do."""

from __future__ import annotations

import re

FORMAT_WORDS = {
    "%Y": ("AAAA", "YYYY"),
    "%y": ("AA", "YY"),
    "%m": ("MM", "MM"),
    "%d": ("JJ", "DD"),
    "%H": ("hh", "hh"),
    "%I": ("hh", "hh"),
    "%M": ("mm", "mm"),
    "%S": ("ss", "ss"),
    "%f": ("ffffff", "ffffff"),
    "%z": ("±hhmm", "±hhmm"),
    "%p": ("AM/PM", "AM/PM"),
    "%B": ("mois en anglais", "month name"),
    "%b": ("mois abrégé en anglais", "abbreviated month"),
    "%j": ("jour de l'année", "day of year"),
    "%%": ("%", "%"),
}
FRENCH_DATE = re.compile(r"^\s*\d{1,2}/\d{1,2}/\d{4}\s*$")
DECIMAL_COMMA = re.compile(r"^\s*-?[\d\s\u00a0.]*\d,\d+\s*$")
DEFAULT_FORMATS = {
    "date": ("AAAA-MM-JJ", "YYYY-MM-DD"),
    "datetime": (
        "AAAA-MM-JJThh:mm:ss (ISO 8601, fuseau horaire facultatif)",
        "YYYY-MM-DDThh:mm:ss (ISO 8601, optional time zone)",
    ),
    "time": ("hh:mm:ss", "hh:mm:ss"),
}


def describe_format(field_type: str, fmt: str) -> tuple[str, str]:
    if fmt in ("default", None, ""):
        return DEFAULT_FORMATS[field_type]
    if fmt == "any":
        return (
            "date reconnaissable (AAAA-MM-JJ, JJ/MM/AAAA…)",
            "recognisable date (YYYY-MM-DD, DD/MM/YYYY…)",
        )
    fr, en = fmt, fmt
    for directive, (word_fr, word_en) in FORMAT_WORDS.items():
        fr = fr.replace(directive, word_fr)
        en = en.replace(directive, word_en)
    return fr, en


def type_phrase(field: dict) -> tuple[str, str, str, str]:
    """(singular FR, plural FR, singular EN, plural EN) for "… is not <type>"."""
    field_type, fmt = field["type"], field.get("format") or "default"
    if field_type in ("date", "datetime", "time"):
        fr, en = describe_format(field_type, fmt)
        noun = {
            "date": ("une date", "des dates", "a date", "dates"),
            "datetime": ("une date et heure", "des dates et heures", "a date-time", "date-times"),
            "time": ("une heure", "des heures", "a time", "times"),
        }[field_type]
        return (
            f"{noun[0]} au format {fr}",
            f"{noun[1]} au format {fr}",
            f"{noun[2]} in the format {en}",
            f"{noun[3]} in the format {en}",
        )
    if field_type == "number":
        decimal_char = field.get("decimalChar", ".")
        sep = (
            " avec la virgule comme séparateur décimal"
            if decimal_char == ","
            else " (séparateur décimal : le point)"
        )
        sep_en = " with a decimal comma" if decimal_char == "," else " (decimal separator: a point)"
        return (f"un nombre{sep}", f"des nombres{sep}", f"a number{sep_en}", f"numbers{sep_en}")
    if field_type == "boolean":
        true_values = ", ".join(field.get("trueValues", ["true", "True", "TRUE", "1"]))
        false_values = ", ".join(field.get("falseValues", ["false", "False", "FALSE", "0"]))
        fr = f"oui/non (valeurs admises : {true_values} / {false_values})"
        en = f"yes/no (accepted: {true_values} / {false_values})"
        return (f"un booléen {fr}", f"des booléens {fr}", f"a boolean {en}", f"booleans {en}")
    if field_type == "string":
        phrases = {
            "email": (
                "une adresse électronique",
                "des adresses électroniques",
                "an email address",
                "email addresses",
            ),
            "uri": (
                "une adresse web complète (https://…)",
                "des adresses web complètes (https://…)",
                "a full URI (https://…)",
                "full URIs (https://…)",
            ),
            "uuid": ("un identifiant UUID", "des identifiants UUID", "a UUID", "UUIDs"),
            "binary": ("du base64", "du base64", "base64", "base64"),
            "wkt": ("une géométrie WKT", "des géométries WKT", "a WKT geometry", "WKT geometries"),
        }
        return phrases.get(fmt, ("du texte", "du texte", "text", "text"))
    geopoint = {
        "array": ("[longitude, latitude]", "[longitude, latitude]"),
        "object": ('{"lon": …, "lat": …}', '{"lon": …, "lat": …}'),
    }.get(fmt, ("« longitude, latitude »", "'longitude, latitude'"))
    phrases = {
        "integer": ("un nombre entier", "des nombres entiers", "an integer", "integers"),
        "year": (
            "une année sur 4 chiffres",
            "des années sur 4 chiffres",
            "a 4-digit year",
            "4-digit years",
        ),
        "yearmonth": (
            "une année-mois AAAA-MM",
            "des années-mois AAAA-MM",
            "a year-month YYYY-MM",
            "year-months YYYY-MM",
        ),
        "duration": (
            "une durée ISO 8601 (ex. P1DT2H)",
            "des durées ISO 8601 (ex. P1DT2H)",
            "an ISO 8601 duration (e.g. P1DT2H)",
            "ISO 8601 durations (e.g. P1DT2H)",
        ),
        "geopoint": (
            f"un point {geopoint[0]}",
            f"des points {geopoint[0]}",
            f"a point {geopoint[1]}",
            f"points {geopoint[1]}",
        ),
        "geojson": (
            "une géométrie GeoJSON",
            "des géométries GeoJSON",
            "a GeoJSON geometry",
            "GeoJSON geometries",
        ),
        "array": ("un tableau JSON", "des tableaux JSON", "a JSON array", "JSON arrays"),
        "object": ("un objet JSON", "des objets JSON", "a JSON object", "JSON objects"),
        "list": ("une liste", "des listes", "a list", "lists"),
    }
    return phrases.get(field_type, ("valide", "valides", "valid", "valid"))


def lines_text(examples: list[dict], count: int) -> tuple[str, str]:
    lines = [str(e["line"]) for e in examples if e.get("line") is not None]
    if not lines:
        return "", ""
    more = "…" if count > len(lines) else ""
    word_fr = "ligne" if len(lines) == 1 and not more else "lignes"
    word_en = "line" if len(lines) == 1 and not more else "lines"
    return f" ({word_fr} {', '.join(lines)}{more})", f" ({word_en} {', '.join(lines)}{more})"


def _values(n: int) -> tuple[str, str]:
    return ("1 valeur", "1 value") if n == 1 else (f"{n} valeurs", f"{n} values")


def _shorten(items: list, limit: int = 8) -> str:
    shown = ", ".join(str(i) for i in items[:limit])
    return shown + ("…" if len(items) > limit else "")


def cell_message(
    rule: str, field: dict, label: str, count: int, examples: list[dict], detail
) -> tuple[str, str, str, str]:
    """(message_fr, message_en, what_to_do_fr, what_to_do_en) for a group of cell errors."""
    name = field["name"]
    column_fr = (
        f"Colonne {name}" if label == name else f"Colonne {name} (« {label} » dans le fichier)"
    )
    column_en = f"Column {name}" if label == name else f"Column {name} ('{label}' in the file)"
    lines_fr, lines_en = lines_text(examples, count)
    n_fr, n_en = _values(count)
    one = count == 1
    verb_fr = "n'est" if one else "ne sont"
    verb_en = "is" if one else "are"
    if rule == "type":
        one_fr, many_fr, one_en, many_en = type_phrase(field)
        what_fr = f"{n_fr} {verb_fr} pas {one_fr if one else many_fr}"
        what_en = f"{n_en} {verb_en} not {one_en if one else many_en}"
        todo_fr = (
            "Corrigez ces valeurs, ou changez le type ou le format de la colonne dans le schéma."
        )
        todo_en = "Fix these values, or change the column's type or format in the schema."
        values = [str(e.get("value") or "") for e in examples]
        if field["type"] in ("date", "datetime", "time"):
            todo_fr = (
                "Corrigez-les ou déclarez le format dans le schéma (ex. « format »: « %d/%m/%Y »)."
            )
            if values and all(FRENCH_DATE.match(v) for v in values):
                # the usual French case: say exactly what to write
                todo_fr = (
                    "Ces dates sont écrites JJ/MM/AAAA : convertissez-les en AAAA-MM-JJ, ou si tout le "
                    "fichier est ainsi, déclarez « format »: « %d/%m/%Y » pour cette colonne dans le schéma."
                )
                todo_en = 'These dates are written DD/MM/YYYY: convert them to YYYY-MM-DD, or declare "format": "%d/%m/%Y".'
        elif field["type"] == "number" and field.get("decimalChar", ".") == ".":
            todo_fr = "Corrigez-les ; si le fichier utilise la virgule décimale, déclarez « decimalChar »: « , » dans le schéma."
            if values and all(DECIMAL_COMMA.match(v) for v in values):
                todo_fr = (
                    "Ces nombres ont une virgule décimale (« 12,5 ») : écrivez « 12.5 », ou si tout le "
                    "fichier est ainsi, déclarez « decimalChar »: « , » pour cette colonne dans le schéma."
                )
                todo_en = 'These numbers use a decimal comma ("12,5"): write "12.5", or declare "decimalChar": ",".'
    elif rule == "required":
        what_fr = f"{'1 cellule vide' if one else f'{count} cellules vides'} alors que la colonne est obligatoire"
        what_en = f"{'1 empty cell' if one else f'{count} empty cells'} in a required column"
        todo_fr, todo_en = "Renseignez ces cellules.", "Fill in these cells."
    elif rule == "unique":
        what_fr = f"{n_fr} en double alors que chaque valeur doit être unique"
        what_en = f"{n_en} duplicated although each value must be unique"
        todo_fr, todo_en = "Corrigez ou supprimez les doublons.", "Fix or remove the duplicates."
    elif rule == "enum":
        what_fr = f"{n_fr} {verb_fr} pas dans la liste autorisée ({_shorten(detail)})"
        what_en = f"{n_en} {verb_en} not in the allowed list ({_shorten(detail)})"
        todo_fr = "Remplacez-les par une valeur de la liste (la casse et les accents comptent)."
        todo_en = "Replace them with a value from the list (case and accents matter)."
    elif rule == "pattern":
        what_fr = f"{n_fr} {verb_fr} pas de la forme attendue (motif {detail})"
        what_en = f"{n_en} {verb_en} not of the expected form (pattern {detail})"
        todo_fr, todo_en = (
            "Corrigez-les pour qu'elles suivent le motif du schéma.",
            "Fix them to follow the schema's pattern.",
        )
    elif rule in ("minimum", "exclusiveMinimum"):
        word = "inférieure" if one else "inférieures"
        bound = "au minimum" if rule == "minimum" else "ou égales au minimum"
        what_fr = (
            f"{n_fr} {word} {bound} {detail}"
            if rule == "minimum"
            else f"{n_fr} {word} {bound} exclu {detail}"
        )
        what_en = (
            f"{n_en} below the minimum {detail}"
            if rule == "minimum"
            else f"{n_en} not above {detail}"
        )
        todo_fr, todo_en = "Vérifiez ces valeurs.", "Check these values."
    elif rule in ("maximum", "exclusiveMaximum"):
        word = "supérieure" if one else "supérieures"
        what_fr = (
            f"{n_fr} {word} au maximum {detail}"
            if rule == "maximum"
            else f"{n_fr} {word} ou égales au maximum exclu {detail}"
        )
        what_en = (
            f"{n_en} above the maximum {detail}"
            if rule == "maximum"
            else f"{n_en} not below {detail}"
        )
        todo_fr, todo_en = "Vérifiez ces valeurs.", "Check these values."
    elif rule == "minLength":
        what_fr = f"{n_fr} de moins de {detail} caractères (ou éléments)"
        what_en = f"{n_en} shorter than {detail} characters (or items)"
        todo_fr, todo_en = "Complétez ces valeurs.", "Complete these values."
    elif rule == "maxLength":
        what_fr = f"{n_fr} de plus de {detail} caractères (ou éléments)"
        what_en = f"{n_en} longer than {detail} characters (or items)"
        todo_fr, todo_en = "Raccourcissez ces valeurs.", "Shorten these values."
    elif rule.startswith("item-"):
        what_fr = f"{n_fr} {verb_fr} pas des listes valides : un élément ne respecte pas la règle « {rule[5:]} » ({_shorten(detail) if isinstance(detail, list) else detail})"
        what_en = f"{n_en} {verb_en} not valid arrays: an item breaks the rule '{rule[5:]}'"
        todo_fr, todo_en = "Corrigez les éléments fautifs.", "Fix the faulty items."
    else:
        what_fr, what_en = f"{n_fr} en erreur ({rule})", f"{n_en} in error ({rule})"
        todo_fr, todo_en = "Corrigez ces valeurs.", "Fix these values."
    return (
        f"{column_fr} : {what_fr}{lines_fr}.",
        f"{column_en}: {what_en}{lines_en}.",
        todo_fr,
        todo_en,
    )


def row_message(rule: str, count: int, examples: list[dict], detail) -> tuple[str, str, str, str]:
    lines_fr, lines_en = lines_text(examples, count)
    rows_fr = "1 ligne" if count == 1 else f"{count} lignes"
    rows_en = "1 row" if count == 1 else f"{count} rows"
    if rule == "blank-row":
        return (
            f"{rows_fr} {'vide' if count == 1 else 'vides'}{lines_fr}.",
            f"{rows_en} blank{lines_en}.",
            "Supprimez les lignes vides.",
            "Remove the blank rows.",
        )
    keys = ", ".join(detail or [])
    if rule == "primary-key-null":
        return (
            f"{rows_fr} sans clé primaire ({keys}){lines_fr}.",
            f"{rows_en} without a primary key ({keys}){lines_en}.",
            "Renseignez la clé de chaque ligne.",
            "Fill in each row's key.",
        )
    if rule == "primary-key":
        return (
            f"{rows_fr} {'répète' if count == 1 else 'répètent'} une clé primaire déjà vue ({keys}){lines_fr}.",
            f"{rows_en} repeat a primary key already seen ({keys}){lines_en}.",
            "Chaque ligne doit avoir une clé unique : corrigez ou supprimez les doublons.",
            "Each row needs a unique key: fix or remove the duplicates.",
        )
    if rule == "missing-cell":
        return (
            f"{rows_fr} {'a' if count == 1 else 'ont'} moins de cellules que l'en-tête{lines_fr}.",
            f"{rows_en} have fewer cells than the header{lines_en}.",
            "Ajoutez les séparateurs manquants.",
            "Add the missing separators.",
        )
    return (
        f"{rows_fr} {'a' if count == 1 else 'ont'} plus de cellules que l'en-tête{lines_fr}.",
        f"{rows_en} have more cells than the header{lines_en}.",
        "Supprimez les cellules en trop ou ajoutez la colonne à l'en-tête.",
        "Remove the extra cells or add the column to the header.",
    )


def header_message(issue, schema_label: str) -> tuple[str, str, str, str]:
    label, expected = issue.label, issue.expected
    if issue.kind == "missing-label":
        required = issue.details.get("required")
        fr = f"Colonne {expected} absente : le schéma {schema_label} la demande{' et elle est obligatoire' if required else ''}."
        en = f"Column {expected} is missing: the schema {schema_label} expects it{' and it is required' if required else ''}."
        if issue.suggestion:
            fr += f" La colonne « {issue.suggestion} » du fichier est peut-être la même."
            en += f" The file's column '{issue.suggestion}' may be the same."
        todo_fr = f"Ajoutez la colonne {expected}" + (
            " (elle peut rester vide si elle est facultative)." if not required else "."
        )
        return fr, en, todo_fr, f"Add the column {expected}."
    if issue.kind == "extra-label":
        fr = f"Colonne « {label} » (n° {issue.position}) en trop : elle n'est pas dans le schéma."
        en = f"Column '{label}' (#{issue.position}) is not in the schema."
        if issue.suggestion:
            fr += f" Voulez-vous dire « {issue.suggestion} » ?"
            en += f" Did you mean '{issue.suggestion}'?"
        return (
            fr,
            en,
            "Supprimez-la, ou renommez-la si elle correspond à une colonne du schéma.",
            "Remove it, or rename it if it matches a schema column.",
        )
    if issue.kind == "blank-label":
        fr = f"La colonne n° {issue.position} n'a pas d'en-tête" + (
            f" (le schéma attend « {expected} »)." if expected else "."
        )
        en = f"Column #{issue.position} has no header" + (
            f" (the schema expects '{expected}')." if expected else "."
        )
        return (
            fr,
            en,
            "Donnez-lui le nom prévu par le schéma.",
            "Give it the name the schema expects.",
        )
    if issue.kind == "duplicate-label":
        fr = f"L'en-tête « {label} » apparaît deux fois (colonnes n° {issue.details.get('first_position')} et {issue.position}) ; la seconde n'est pas vérifiée."
        en = f"The header '{label}' appears twice (columns #{issue.details.get('first_position')} and #{issue.position}); the second is not checked."
        return (
            fr,
            en,
            "Renommez ou supprimez la colonne en double.",
            "Rename or remove the duplicated column.",
        )
    if issue.kind == "unmatched-header":
        return (
            "Aucune colonne du fichier ne correspond au schéma.",
            "No column of the file matches the schema.",
            "Vérifiez que c'est le bon schéma.",
            "Check this is the right schema.",
        )
    if issue.rule == "order":
        fr = f"Colonne {issue.column} : elle est en position {issue.position} mais le schéma la place en position {issue.details['schema_position']}."
        en = f"Column {issue.column}: it is at position {issue.position} but the schema puts it at position {issue.details['schema_position']}."
        return (
            fr,
            en,
            "Remettez les colonnes dans l'ordre du schéma.",
            "Put the columns in the schema's order.",
        )
    if issue.rule == "position":
        fr = f"Colonne n° {issue.position} « {label} » : le schéma attend « {expected} » à cette place ; ses valeurs sont vérifiées comme {expected}."
        en = f"Column #{issue.position} '{label}': the schema expects '{expected}' here; its values are checked as {expected}."
        return (
            fr,
            en,
            f"Renommez l'en-tête en « {expected} », ou remettez la bonne colonne à cette place.",
            f"Rename the header to '{expected}', or put the right column here.",
        )
    fr = f"Colonne « {label} » : le schéma l'appelle « {expected} » ; ses valeurs sont vérifiées comme {expected}."
    en = (
        f"Column '{label}': the schema calls it '{expected}'; its values are checked as {expected}."
    )
    return (
        fr,
        en,
        f"Renommez l'en-tête en « {expected} » (la casse, les accents et les espaces comptent).",
        f"Rename the header to '{expected}' (case, accents and spaces matter).",
    )
