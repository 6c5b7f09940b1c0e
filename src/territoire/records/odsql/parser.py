"""Parse each ODSQL clause with lark (grammar.lark) into the tree of ``ast``.

Syntax errors become ``QueryError``s that name the clause, the column, what was found, what
was expected and, for the usual slips (``==``, ``&&``, an unclosed quote), how to fix it.
"""

from __future__ import annotations

import re
from functools import cache, lru_cache
from pathlib import Path

from lark import Lark, Token
from lark.exceptions import (
    UnexpectedCharacters,
    UnexpectedEOF,
    UnexpectedInput,
)
from lark.lexer import Lexer

from . import ast
from .errors import QueryError
from .literals import LiteralError, parse_date, parse_point, split_quantity, unquote

GRAMMAR = Path(__file__).with_name("grammar.lark")
CLAUSES = ("select", "where", "group_by", "order_by")
MAX_LENGTH = 20000  # characters in one clause
MAX_DEPTH = 200  # nesting of the syntax tree: later walks are recursive


@cache
def _lark() -> Lark:
    return Lark(
        GRAMMAR.read_text(encoding="utf-8"),
        parser="lalr",
        lexer=_FastLexer,
        start=[f"{clause}_clause" for clause in CLAUSES],
        propagate_positions=True,
        maybe_placeholders=True,
    )


@lru_cache(maxsize=1024)
def _tree(clause: str, text: str):
    # Lark trees are never mutated (the transformer builds new nodes), so the same query text
    # parsed again reuses its tree. Errors are not cached.
    return _lark().parse(text, start=f"{clause}_clause")


def _check_depth(tree, clause: str, index: int | None) -> None:
    stack = [(tree, 1)]
    while stack:
        node, depth = stack.pop()
        if depth > MAX_DEPTH:
            raise QueryError(
                f"L'expression est trop imbriquée (plus de {MAX_DEPTH} niveaux) : simplifiez-la",
                f"The expression is nested too deeply (more than {MAX_DEPTH} levels): simplify it",
                clause=clause,
                position=(getattr(node.meta, "start_pos", 0) or 0) + 1,
                index=index,
            )
        stack.extend((child, depth + 1) for child in node.children if hasattr(child, "children"))


class _LexError(Exception):
    def __init__(self, pos: int):
        self.pos = pos


class _FastLexer(Lexer):
    """One compiled regex over the grammar's own terminals (highest priority first).

    Lark's lexers cost about 25 µs a token here; this one about 1 µs, for the same tokens:
    the patterns are those of grammar.lark. Keywords are whole words and win over names, so a
    field named like a keyword is written between back-quotes, as in OpenDataSoft.
    """

    def __init__(self, lexer_conf):
        terminals = sorted(
            lexer_conf.terminals, key=lambda t: -t.priority
        )  # stable: file order within a priority
        self.ignore = set(lexer_conf.ignore)
        self.regex = re.compile(
            "|".join(f"(?P<{t.name}>{t.pattern.to_regexp()})" for t in terminals)
        )

    def lex(self, data: str):
        match = self.regex.match
        pos, end = 0, len(data)
        while pos < end:
            m = match(data, pos)
            if m is None or m.end() == pos:
                raise _LexError(pos)
            kind = m.lastgroup
            if kind not in self.ignore:
                yield Token(kind, m.group(), pos, 1, pos + 1, 1, m.end() + 1, m.end())
            pos = m.end()


def parse(clause: str, text: str, *, index: int | None = None):
    """Parse one clause. Returns a Node for where, a list of items for the other clauses."""
    if clause not in CLAUSES:
        raise ValueError(f"unknown clause {clause!r}")
    if not text or not text.strip():
        raise QueryError(
            "Le paramètre est vide : retirez-le ou donnez une expression",
            "The parameter is empty: remove it or give an expression",
            clause=clause,
            index=index,
        )
    if len(text) > MAX_LENGTH:
        raise QueryError(
            f"Le paramètre fait {len(text)} caractères : le maximum est {MAX_LENGTH}",
            f"The parameter is {len(text)} characters long: the maximum is {MAX_LENGTH}",
            clause=clause,
            index=index,
        )
    try:
        tree = _tree(clause, text)
        _check_depth(tree, clause, index)
        return _ToAst(text).convert(tree)
    except (UnexpectedInput, _LexError) as exc:
        raise _syntax_error(clause, text, exc, index) from None
    except _LiteralAt as err:
        raise QueryError(
            err.message_fr, err.message_en, clause=clause, position=err.pos + 1, index=index
        ) from None


class _LiteralAt(LiteralError):
    def __init__(self, error: LiteralError, pos: int):
        super().__init__(error.message_fr, error.message_en)
        self.pos = pos


def _pos(item) -> int:
    if isinstance(item, Token):
        return item.start_pos or 0
    return getattr(item, "pos", 0)


class _ToAst:
    """Lark tree -> ast nodes. A plain recursive walk: lark's Transformer with v_args(meta=True)
    costs several times more (it rebuilds a wrapper per node)."""

    def __init__(self, text: str):
        self.text = text

    def convert(self, tree):
        if isinstance(tree, Token) or tree is None:
            return tree
        children = [self.convert(child) for child in tree.children]
        return getattr(self, str(tree.data))(tree.meta, children)

    def _span(self, meta) -> tuple[int, int]:
        return (getattr(meta, "start_pos", 0) or 0), (getattr(meta, "end_pos", 0) or 0)

    # ------------------------------------------------------------ clauses
    def select_clause(self, meta, items):
        return items

    def group_by_clause(self, meta, items):
        return items

    def order_by_clause(self, meta, items):
        return items

    def where_clause(self, meta, items):
        return items[0]

    def select_all(self, meta, items):
        return ast.SelectItem(None, None, "*", pos=items[0].start_pos)

    def select_expr(self, meta, items):
        expr, alias = items[0], items[1] if len(items) > 1 else None
        start, end = expr.pos, getattr(expr, "_end", None) or self._expr_end(meta, alias)
        return ast.SelectItem(expr, alias, self.text[start:end].strip(), pos=start)

    def group_item(self, meta, items):
        expr, alias = items[0], items[1] if len(items) > 1 else None
        start, end = expr.pos, self._expr_end(meta, alias)
        return ast.GroupItem(expr, alias, self.text[start:end].strip(), pos=start)

    def order_item(self, meta, items):
        expr = items[0]
        direction = items[1] if len(items) > 1 and items[1] is not None else None
        descending = bool(direction) and direction.type == "DESC"
        end = direction.start_pos if direction is not None else self._span(meta)[1]
        return ast.OrderItem(expr, descending, self.text[expr.pos : end].strip(), pos=expr.pos)

    def _expr_end(self, meta, alias) -> int:
        end = self._span(meta)[1]
        if alias is None:
            return end
        # The alias is the last word; the expression ends before " as <alias>".
        head = self.text[:end]
        cut = head.lower().rfind(" as ")
        return cut if cut >= 0 else end

    def alias(self, meta, items):
        return _name(items[0])

    # ------------------------------------------------------------ logic
    def or_expr(self, meta, items):
        return _flatten("or", items, self._span(meta)[0])

    def and_expr(self, meta, items):
        return _flatten("and", items, self._span(meta)[0])

    def not_(self, meta, items):
        return ast.Not(items[-1], pos=self._span(meta)[0])

    def compare(self, meta, items):
        left, op, right = items
        symbol = {":": "=", "<>": "!="}.get(str(op), str(op))
        return ast.Compare(symbol, left, right, pos=left.pos)

    def in_range(self, meta, items):
        expr, bounds = items[0], items[-1]
        return ast.InRange(expr, bounds[1], bounds[2], bounds[0], bounds[3], pos=expr.pos)

    def range_lit(self, meta, items):
        opening, low, high, closing = items[0], items[1], items[-2], items[-1]
        return (opening.type == "LSQB", low, high, closing.type == "RSQB")

    def value_list(self, meta, items):
        return list(items)

    def in_list(self, meta, items):
        return ast.InList(items[0], items[-1], False, pos=items[0].pos)

    def not_in_list(self, meta, items):
        return ast.InList(items[0], items[-1], True, pos=items[0].pos)

    def is_null(self, meta, items):
        return ast.IsNull(items[0], False, pos=items[0].pos)

    def is_not_null(self, meta, items):
        return ast.IsNull(items[0], True, pos=items[0].pos)

    def is_true(self, meta, items):
        return ast.IsBool(items[0], True, pos=items[0].pos)

    def is_false(self, meta, items):
        return ast.IsBool(items[0], False, pos=items[0].pos)

    def like(self, meta, items):
        return ast.Like(items[0], unquote(str(items[1])), pos=items[0].pos)

    # ------------------------------------------------------------ arithmetic
    def binop(self, meta, items):
        left, op, right = items
        return ast.Binary(str(op), left, right, pos=left.pos)

    def neg(self, meta, items):
        operand = items[1]
        if isinstance(operand, ast.Literal) and operand.kind == "number":
            return ast.Literal(-operand.value, "number", "-" + operand.text, pos=items[0].start_pos)
        return ast.Unary("-", operand, pos=items[0].start_pos)

    # ------------------------------------------------------------ atoms
    def number(self, meta, items):
        token = items[0]
        return ast.Literal(_number(str(token)), "number", str(token), pos=token.start_pos)

    def negative_number(self, meta, items):
        token = items[1]
        return ast.Literal(-_number(str(token)), "number", "-" + str(token), pos=items[0].start_pos)

    def string(self, meta, items):
        token = items[0]
        return ast.Literal(unquote(str(token)), "string", str(token), pos=token.start_pos)

    def true(self, meta, items):
        return ast.Literal(True, "boolean", "true", pos=items[0].start_pos)

    def false(self, meta, items):
        return ast.Literal(False, "boolean", "false", pos=items[0].start_pos)

    def null(self, meta, items):
        return ast.Literal(None, "null", "null", pos=items[0].start_pos)

    def date_lit(self, meta, items):
        token = items[0]
        body = str(token)[5:-1]
        try:
            start, end, precision = parse_date(body)
        except LiteralError as exc:
            raise _LiteralAt(exc, token.start_pos) from None
        return ast.DateLiteral(body, start, end, precision, pos=token.start_pos)

    def geom_lit(self, meta, items):
        token = items[0]
        body = str(token)[5:-1]
        try:
            lon, lat = parse_point(body)
        except LiteralError as exc:
            raise _LiteralAt(exc, token.start_pos) from None
        return ast.GeomLiteral(body, lon, lat, pos=token.start_pos)

    def quantity(self, meta, items):
        if len(items) == 1:  # "500m"
            value, unit = split_quantity(str(items[0]))
            text = str(items[0])
        else:  # "1 day"
            value, unit = _number(str(items[0])), str(items[1])
            text = f"{items[0]} {items[1]}"
        return ast.Quantity(float(value), unit, text, pos=items[0].start_pos)

    def field(self, meta, items):
        token = items[0]
        return ast.Field(_name(token), pos=token.start_pos)

    def star(self, meta, items):
        return ast.Star(pos=items[0].start_pos)

    def distinct(self, meta, items):
        return ("distinct", items[0])

    def call(self, meta, items):
        name_token, args = items[0], [a for a in items[1:] if a is not None]
        distinct = False
        plain = []
        for arg in args:
            if isinstance(arg, tuple):
                distinct = True
                plain.append(arg[1])
            else:
                plain.append(arg)
        return ast.Call(str(name_token).lower(), plain, distinct, pos=name_token.start_pos)


def _flatten(op: str, items: list, pos: int) -> ast.BoolOp:
    flat = []
    for item in items:
        if isinstance(item, ast.BoolOp) and item.op == op:
            flat.extend(item.items)
        else:
            flat.append(item)
    return ast.BoolOp(op, flat, pos=pos)


def _name(token: Token) -> str:
    text = str(token)
    return text[1:-1] if token.type == "BQ_NAME" else text


def _number(text: str) -> int | float:
    if any(c in text for c in ".eE"):
        return float(text)
    return int(text)


# ---------------------------------------------------------------- syntax errors

_EXPECTED = {
    "NAME": ("un nom de champ", "a field name"),
    "BQ_NAME": None,
    "NUMBER": ("un nombre", "a number"),
    "STRING": ("une chaîne entre guillemets", "a quoted string"),
    "COMP_OP": ("un opérateur (=, !=, <, <=, >, >=)", "an operator (=, !=, <, <=, >, >=)"),
    "COLON": None,
    "RPAR": ("« ) »", "')'"),
    "LPAR": ("« ( »", "'('"),
    "COMMA": ("« , »", "','"),
    "_AND": ("AND", "AND"),
    "_OR": ("OR", "OR"),
    "_AS": ("AS", "AS"),
    "ASC": ("ASC ou DESC", "ASC or DESC"),
    "DESC": None,
    "DOTDOT": ("« .. »", "'..'"),
    "RSQB": ("« ] »", "']'"),
    "LSQB": ("« [ »", "'['"),
    "DATE_LIT": ("une date (date'2024-01-31')", "a date (date'2024-01-31')"),
    "$END": ("la fin du paramètre", "the end of the parameter"),
}

_ORDER = ["NAME", "NUMBER", "STRING", "DATE_LIT", "COMP_OP", "RPAR", "COMMA", "_AND", "_OR", "_AS", "ASC", "DOTDOT", "RSQB", "LSQB", "LPAR", "$END"]  # fmt: skip


def _expected(names, clause: str, text: str, pos: int) -> tuple[str, str]:
    names = set(names)
    # The parser states are shared by the four clauses: keep what this clause can accept.
    if clause not in ("select", "group_by"):
        names.discard("_AS")
    if clause != "order_by":
        names.discard("ASC")
    balanced = text[:pos].count("(") <= text[:pos].count(")")
    if balanced:
        names.discard("RPAR")
    if clause == "where" and balanced:
        names.discard("COMMA")
    chosen = [n for n in _ORDER if n in names and _EXPECTED.get(n)]
    if not chosen:
        return "", ""
    fr = [_EXPECTED[n][0] for n in chosen[:6]]
    en = [_EXPECTED[n][1] for n in chosen[:6]]
    return (
        " Attendu : " + (", ".join(fr[:-1]) + " ou " + fr[-1] if len(fr) > 1 else fr[0]) + ".",
        " Expected: " + (", ".join(en[:-1]) + " or " + en[-1] if len(en) > 1 else en[0]) + ".",
    )


def _excerpt(text: str, pos: int) -> str:
    start = max(0, pos - 15)
    end = min(len(text), pos + 15)
    return ("…" if start else "") + text[start:end] + ("…" if end < len(text) else "")


def _syntax_error(clause: str, text: str, exc: UnexpectedInput, index: int | None) -> QueryError:
    hint_fr = hint_en = ""
    if isinstance(exc, _LexError | UnexpectedCharacters):
        pos = exc.pos if isinstance(exc, _LexError) else exc.pos_in_stream
        char = text[pos]
        found_fr, found_en = f"caractère « {char} » inattendu", f"unexpected character '{char}'"
        expected = set()
        if char in "\"'":
            hint_fr = f" La chaîne ouverte par {char} n'est pas fermée : ajoutez le {char} final."
            hint_en = f" The string opened with {char} is not closed: add the closing {char}."
            expected = set()
        elif text[pos : pos + 2] in ("&&", "||"):
            hint_fr, hint_en = (
                " Écrivez AND ou OR plutôt que && ou ||.",
                " Write AND or OR instead of && or ||.",
            )
        elif char == "`":
            hint_fr = " Le nom entre accents graves (`) n'est pas fermé."
            hint_en = " The back-quoted name is not closed."
    else:
        token = getattr(exc, "token", None)
        expected = getattr(exc, "expected", None) or getattr(exc, "accepts", None) or set()
        if isinstance(exc, UnexpectedEOF) or token is None or token.type == "$END":
            pos = len(text.rstrip())
            found_fr, found_en = "l'expression s'arrête trop tôt", "the expression ends too early"
            if text.count("(") > text.count(")"):
                hint_fr, hint_en = (
                    " Une parenthèse n'est pas fermée.",
                    " A parenthesis is not closed.",
                )
        else:
            pos = token.start_pos or 0
            found_fr, found_en = f"« {token} » inattendu", f"unexpected '{token}'"
            if str(token) == "=" and text[max(0, pos - 1)] == "=":
                hint_fr, hint_en = (
                    " Pour comparer, écrivez = (un seul signe égal).",
                    " To compare, write = (a single equals sign).",
                )
            elif token.type == "RPAR" and text[:pos].count("(") < text[: pos + 1].count(")"):
                hint_fr, hint_en = (
                    " Cette parenthèse fermante n'a pas d'ouvrante.",
                    " This closing parenthesis has no opening one.",
                )
            elif token.type in ("NAME", "STRING", "NUMBER") and clause == "where":
                hint_fr = " Reliez les conditions par AND ou OR."
                hint_en = " Join conditions with AND or OR."
    exp_fr, exp_en = _expected(expected, clause, text, pos)
    snippet = _excerpt(text, pos)
    return QueryError(
        f"Erreur de syntaxe : {found_fr} dans « {snippet} ».{exp_fr}{hint_fr}",
        f"Syntax error: {found_en} in '{snippet}'.{exp_en}{hint_en}",
        clause=clause,
        position=pos + 1,
        index=index,
    )
