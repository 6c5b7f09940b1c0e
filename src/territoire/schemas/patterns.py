"""Translate a schema's `pattern` (Python `re` syntax, as frictionless runs it) into RE2 for DuckDB.

Schemas are written against Python's `re`: `\\u00C0`, escaped punctuation such as `\\–` or `\\’`,
and `\\d`/`\\s`/`\\w` that match Unicode digits, spaces and letters. RE2 spells `\\x{00C0}`,
refuses escapes of non-ASCII characters and keeps `\\d`/`\\s`/`\\w` ASCII-only. What cannot be
translated (look-arounds, back-references) returns None: the caller checks those values in Python.
"""

from __future__ import annotations

import re

# Python's \s for str patterns, spelt for RE2 (inside a character class).
_SPACE_CLASS = r"\t\n\x{0B}\f\r \x{1C}-\x{1F}\x{85}\x{A0}\x{1680}\x{2000}-\x{200A}\x{2028}\x{2029}\x{202F}\x{205F}\x{3000}"
_DIGIT_CLASS = r"\p{Nd}"
_WORD_CLASS = r"\p{L}\p{N}_"
_UNSUPPORTED = re.compile(r"\(\?(?:[=!]|<[=!])|\\[1-9]|\(\?P=")
_RE2_SPECIAL = set(r"\.^$|?*+()[]{}-/")


def python_to_re2(pattern: str) -> str | None:
    """The RE2 equivalent of a Python pattern, or None when RE2 cannot express it."""
    if _UNSUPPORTED.search(pattern):
        return None
    out: list[str] = []
    in_class = False
    index = 0
    length = len(pattern)
    while index < length:
        char = pattern[index]
        if char == "\\" and index + 1 < length:
            nxt = pattern[index + 1]
            index += 2
            if nxt in "uU" or nxt == "x":
                size = {"u": 4, "U": 8, "x": 2}[nxt]
                digits = pattern[index : index + size]
                if len(digits) != size or not all(c in "0123456789abcdefABCDEF" for c in digits):
                    return None
                out.append(r"\x{" + digits + "}")
                index += size
            elif nxt == "d":
                out.append(_DIGIT_CLASS if in_class else "[" + _DIGIT_CLASS + "]")
            elif nxt == "D":
                if in_class:
                    return None
                out.append(r"\P{Nd}")
            elif nxt == "s":
                out.append(_SPACE_CLASS if in_class else "[" + _SPACE_CLASS + "]")
            elif nxt == "S":
                if in_class:
                    return None
                out.append("[^" + _SPACE_CLASS + "]")
            elif nxt == "w":
                out.append(_WORD_CLASS if in_class else "[" + _WORD_CLASS + "]")
            elif nxt == "W":
                if in_class:
                    return None
                out.append("[^" + _WORD_CLASS + "]")
            elif nxt == "Z":
                out.append(r"\z")
            elif nxt.isalnum() and nxt.isascii():
                out.append("\\" + nxt)  # \n \t \A \b and friends mean the same in RE2
            elif nxt in _RE2_SPECIAL or (nxt.isascii() and not nxt.isalnum()):
                out.append("\\" + nxt if nxt in _RE2_SPECIAL else _literal(nxt))
            else:
                out.append(_literal(nxt))  # escaped non-ASCII punctuation is just that character
            continue
        if char == "[" and not in_class:
            in_class = True
            out.append(char)
            index += 1
            # a leading ^ and a leading ] belong to the class
            if index < length and pattern[index] == "^":
                out.append("^")
                index += 1
            if index < length and pattern[index] == "]":
                out.append(r"\]")
                index += 1
            continue
        if char == "]" and in_class:
            in_class = False
        out.append(char)
        index += 1
    return "".join(out)


def _literal(char: str) -> str:
    if char.isascii():
        return "\\" + char if not char.isalnum() else char
    return r"\x{" + format(ord(char), "04X") + "}"


def anchored(pattern: str) -> str:
    """Whole-value semantics: the Table Schema spec's, and what schema authors mean."""
    return f"^(?:{pattern})$"
