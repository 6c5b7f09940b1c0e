from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "territoire.accounts"
    label = "accounts"
    verbose_name = "Comptes"
