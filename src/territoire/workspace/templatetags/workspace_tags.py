from django import template

from territoire.lake import selectors as lake_selectors
from territoire.lake.forms import TYPE_LABELS
from territoire.workspace.selectors.notifications import notification_sentence

register = template.Library()


@register.filter
def sentence(note) -> str:
    """A notification in words, in the active language."""
    return notification_sentence(note)


@register.simple_tag
def dataset_derivation(dataset) -> dict:
    """What the dataset's tabs offer: « Créer une version anonymisée » (a dataset holding
    personal data) or « Lignée » (a dataset derived by anonymisation)."""
    derived = lake_selectors.dataset_is_derived(dataset)
    if derived:
        return {"derived": True, "personal": False}
    if dataset.access_level == "personal":
        return {"derived": False, "personal": True}
    return {"derived": False, "personal": bool(lake_selectors.dataset_personal_flags(dataset))}


@register.filter
def column_type(value: str) -> str:
    """A column's type as the lake's type form names it (« décimal », "decimal"), not its key."""
    label = TYPE_LABELS.get(value or "")
    return str(label) if label is not None else (value or "")
