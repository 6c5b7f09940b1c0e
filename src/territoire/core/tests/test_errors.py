from django.utils import translation

from territoire.core.errors import TooLarge, ValidationFailed


def test_messages_follow_the_language_of_the_request():
    error = ValidationFailed("Le champ est vide.", "The field is empty.", where="titre")
    with translation.override("en"):
        assert error.localized() == "The field is empty."
    with translation.override("fr"):
        assert error.localized() == "Le champ est vide."
    assert error.as_dict() == {
        "error": "validation_failed",
        "message": "Le champ est vide.",
        "message_en": "The field is empty.",
        "where": "titre",
    }
    assert TooLarge("Trop gros.", "Too large.").status == 413
