from django import template

from territoire.workspace.selectors.notifications import notification_sentence

register = template.Library()


@register.filter
def sentence(note) -> str:
    """A notification in words, in the active language."""
    return notification_sentence(note)
