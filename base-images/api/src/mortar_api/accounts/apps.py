from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "mortar_api.accounts"
    # Not "accounts": a site may well have an app of that name.
    label = "mortar_accounts"
    verbose_name = "Accounts"

    def ready(self) -> None:
        from django.db.models.signals import post_migrate

        from mortar_api.tenancy.periodic import register

        from .groups import after_migrate

        # the Editors and Publishers groups, in every tenant schema that is migrated
        post_migrate.connect(after_migrate, dispatch_uid="mortar_editor_groups")

        register(
            "accounts: prune login logs",
            "mortar_api.accounts.tasks.prune_login_logs",
            crontab={"minute": "45", "hour": "3"},
            per_tenant=True,
        )
