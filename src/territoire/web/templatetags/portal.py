"""Template helpers of the portal: sanitised Markdown, query-string links, small formatters."""

from __future__ import annotations

import re
from urllib.parse import urlencode

import markdown as markdown_lib
import nh3
from django import template
from django.utils.safestring import mark_safe

register = template.Library()

ALLOWED_TAGS = {
    "p",
    "br",
    "hr",
    "strong",
    "em",
    "b",
    "i",
    "code",
    "pre",
    "blockquote",
    "ul",
    "ol",
    "li",
    "a",
    "h3",
    "h4",
    "h5",
    "h6",
    "table",
    "thead",
    "tbody",
    "tr",
    "th",
    "td",
    "abbr",
    "del",
}
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "abbr": {"title"}, "th": {"scope"}}
_HEADING = re.compile(r"<(/?)h([1-6])(\s[^>]*)?>")


def _demote(match: re.Match) -> str:
    """Headings of a description sit under the page's h1 and h2: # becomes h3."""
    level = min(int(match.group(2)) + 2, 6)
    return f"<{match.group(1)}h{level}>"


@register.filter(is_safe=True)
def markdown(source: str | None) -> str:
    """Markdown rendered, then sanitised with nh3: no raw HTML, scripts, styles or event handlers
    survive; links keep http(s) and mailto only and get rel="noopener noreferrer nofollow"."""
    if not source:
        return ""
    rendered = markdown_lib.markdown(
        source, extensions=["extra", "sane_lists"], output_format="html"
    )
    rendered = _HEADING.sub(_demote, rendered)
    clean = nh3.clean(
        rendered,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes={"http", "https", "mailto"},
        link_rel="noopener noreferrer nofollow",
    )
    return mark_safe(clean)  # noqa: S308 - sanitised by nh3 just above


@register.simple_tag
def toggle_url(params: dict, name: str, value: str) -> str:
    """The catalogue URL with ``value`` of facet ``name`` switched on or off (page reset)."""
    pairs = []
    found = False
    for key, values in params.items():
        if key == "page":
            continue
        for v in values:
            if key == name and v == value:
                found = True
                continue
            pairs.append((key, v))
    if not found:
        pairs.append((name, value))
    return "?" + urlencode(pairs) if pairs else "?"


@register.simple_tag
def replace_url(params: dict, **changes) -> str:
    """The URL with some parameters replaced (None or '' removes them); facets are kept."""
    pairs = [(k, v) for k, values in params.items() if k not in changes for v in values]
    pairs += [(k, v) for k, v in changes.items() if v not in (None, "")]
    return "?" + urlencode(pairs) if pairs else "?"
