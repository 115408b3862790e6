from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "zhengcai.accounts"
    label = "accounts"
    verbose_name = _("Accounts")

    def ready(self) -> None:
        from zhengcai.core.audit import register_actions

        register_actions(
            {
                "user.create": _("Account created"),
                "membership.create": _("Role granted"),
                "membership.reactivate": _("Role granted again"),
                "api_token.issue": _("API token issued"),
                "api_token.revoke": _("API token revoked"),
            }
        )
