from django import template

from territoire.lake.forms import TYPE_LABELS
from territoire.workspace.selectors.notifications import notification_sentence

register = template.Library()


@register.filter
def sentence(note) -> str:
    """A notification in words, in the active language."""
    return notification_sentence(note)


@register.filter
def column_type(value: str) -> str:
    """A column's type as the lake's type form names it (« décimal », "decimal"), not its key."""
    label = TYPE_LABELS.get(value or "")
    return str(label) if label is not None else (value or "")
