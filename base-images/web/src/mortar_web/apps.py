from django.apps import AppConfig


class MortarWebConfig(AppConfig):
    name = "mortar_web"
    verbose_name = "Mortar web"
