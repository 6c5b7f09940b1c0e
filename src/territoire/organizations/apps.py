from django.apps import AppConfig


class OrganizationsConfig(AppConfig):
    name = "territoire.organizations"
    label = "organizations"
    verbose_name = "Organisations"
