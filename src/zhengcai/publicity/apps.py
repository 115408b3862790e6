from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PublicityConfig(AppConfig):
    name = "zhengcai.publicity"
    verbose_name = _("Policy publicity")

    def ready(self) -> None:
        from zhengcai.core.audit import register_actions

        from .outbox import CHANNEL_ACTIONS
        from .services import CONTENT_ACTIONS

        register_actions(CHANNEL_ACTIONS)
        register_actions(CONTENT_ACTIONS)
        from .outreach import AUDIT_ACTIONS as OUTREACH_ACTIONS

        register_actions(OUTREACH_ACTIONS)
