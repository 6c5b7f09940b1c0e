"""Who may do what: the one place where roles turn into permissions.

Every view, API router, admin class and service asks here, directly or through the catalogue's
selectors. Which datasets an actor may *see* depends on access levels, so that rule lives in the
catalogue (catalog.selectors.dataset_list_for_actor, used by every entry point); outsiders get
not-found rather than forbidden for objects they may not see.
"""

from __future__ import annotations

from django.conf import settings

from .models import MembershipRole, Role

# Models a data officer manages; stewards and agents only see what concerns them.
CATALOG_MODELS = {"catalog.dataset", "catalog.distribution"}
REFERENCE_MODELS = {
    "territories.territory",
    "territories.epcimembership",
    "organizations.organization",
    "organizations.service",
}
ACCOUNT_MODELS = {"accounts.user", "accounts.membership", "accounts.apitoken"}
# The registers (GDPR art. 30, public algorithms): stewards edit them in the workspace; in the
# admin, anyone but the data officer only reads them.
REGISTER_MODELS = {"registers.processingactivity", "registers.algorithm"}


def is_authenticated(actor) -> bool:
    return actor is not None and getattr(actor, "is_authenticated", False) and actor.is_active


def is_data_officer(actor) -> bool:
    """Superusers and data officers (the rule is the user model's own `is_data_officer`)."""
    return is_authenticated(actor) and actor.is_data_officer


def is_agent(actor) -> bool:
    """Any agent of the territory: data officer, steward or agent."""
    return is_authenticated(actor) and (
        actor.is_superuser or actor.role in {Role.DATA_OFFICER, Role.STEWARD, Role.AGENT}
    )


def is_steward(actor) -> bool:
    """A steward (relais données): changes the datasets of the services they steward."""
    return is_authenticated(actor) and actor.role == Role.STEWARD


def stewarded_service_ids(actor) -> set[int]:
    if not is_authenticated(actor):
        return set()
    cached = getattr(actor, "_stewarded_service_ids", None)
    if cached is None:
        cached = set(
            actor.memberships.filter(role=MembershipRole.STEWARD).values_list(
                "service_id", flat=True
            )
        )
        actor._stewarded_service_ids = cached
    return cached


def may_steward(user, service) -> bool:
    """Whether ``user`` may be named the steward (relais données) of an object of ``service``
    (a dataset, an indicator): a data officer, or a member of that service. The one rule."""
    if is_data_officer(user):
        return True
    return service is not None and service.pk in member_service_ids(user)


def member_service_ids(actor) -> set[int]:
    if not is_authenticated(actor):
        return set()
    cached = getattr(actor, "_member_service_ids", None)
    if cached is None:
        cached = set(actor.memberships.values_list("service_id", flat=True))
        actor._member_service_ids = cached
    return cached


def can_admin_model(actor, label: str, action: str) -> bool:
    """Admin access per model label ('catalog.dataset') and action (view/add/change/delete)."""
    if not is_agent(actor):
        return False
    if is_data_officer(actor):
        if label == "trust.auditevent":
            return action == "view"
        return True
    if label in CATALOG_MODELS:
        if action == "view":
            return True
        return is_steward(actor) and bool(stewarded_service_ids(actor))
    if label in REFERENCE_MODELS or label in REGISTER_MODELS:
        return action == "view"
    if label == "accounts.apitoken":
        return action in {"view", "add", "change"}  # their own tokens only (queryset filtered)
    return False


def can_edit_dataset(actor, dataset) -> bool:
    """Data officers change every dataset; stewards the datasets of the services they steward.
    Entry points ask catalog.selectors.dataset_check_editable, which says why not."""
    if is_data_officer(actor):
        return True
    return is_steward(actor) and dataset.publisher_service_id in stewarded_service_ids(actor)


def can_manage_tokens_of(actor, user) -> bool:
    return is_authenticated(actor) and (actor.pk == user.pk or is_data_officer(actor))


def can_edit_register_entry(actor, service_id: int | None) -> bool:
    """A register entry (GDPR processing, public algorithm) belongs to a service, as a dataset
    does: data officers change every entry, stewards those of the services they steward."""
    if is_data_officer(actor):
        return True
    return (
        is_steward(actor) and service_id is not None and service_id in stewarded_service_ids(actor)
    )


def can_manage_security_of(actor, user) -> bool:
    """An account's sessions, login history and second factor: the account itself, and the data
    officer (closing every session of someone who leaves, removing the factor of a lost phone)."""
    return is_authenticated(actor) and (actor.pk == user.pk or is_data_officer(actor))


def two_factor_required(user) -> bool:
    """Whether the account must enrol a second factor before it uses the workspace and the admin:
    its role (or being a superuser) is in TERRITOIRE_2FA_REQUIRED_ROLES."""
    if not is_authenticated(user):
        return False
    required = set(settings.TERRITOIRE_2FA_REQUIRED_ROLES)
    return (user.is_superuser and "superuser" in required) or user.role in required


def is_moderator(actor) -> bool:
    """Moderators of participation (hide, restore, edit contributions; review free texts): the
    data officer, and anyone granted ``participation.moderate_content`` (a group « Modérateurs »)."""
    return is_data_officer(actor) or (
        is_authenticated(actor) and actor.has_perm("participation.moderate_content")
    )


def can_manage_participation(actor, service_id: int | None) -> bool:
    """A service's projects, consultations and answers to proposals and questions: the data
    officer, and the members of that service (its agents and stewards)."""
    if is_data_officer(actor):
        return True
    return is_agent(actor) and service_id is not None and service_id in member_service_ids(actor)


def can_decide_access(actor, dataset) -> bool:
    """Who grants, refuses or revokes access to a non-public dataset: the data officer, or a
    steward of the dataset's producing service (the same people who may change it)."""
    return can_edit_dataset(actor, dataset)


def can_manage_agreements(actor, service_id: int | None = None) -> bool:
    """Data-sharing agreements: the data officer manages every one; a steward those whose
    referent service they steward."""
    if is_data_officer(actor):
        return True
    return (
        is_steward(actor) and service_id is not None and service_id in stewarded_service_ids(actor)
    )


def can_handle_report(actor, service_id: int | None) -> bool:
    """A report (signalement) belongs to the service of its category: the data officer and the
    members of that service change its status, answer it and moderate it."""
    if is_data_officer(actor):
        return True
    return service_id is not None and service_id in member_service_ids(actor)
