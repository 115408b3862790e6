from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ServiceConfig(AppConfig):
    name = "zhengcai.service"
    verbose_name = _("Counterpart service desk")

    def ready(self) -> None:
        from zhengcai.core.audit import register_actions

        from .faq import AUDIT_ACTIONS as FAQ_ACTIONS
        from .pairings import AUDIT_ACTIONS as PAIRING_ACTIONS
        from .services import AUDIT_ACTIONS as REQUEST_ACTIONS

        register_actions(REQUEST_ACTIONS)
        register_actions(PAIRING_ACTIONS)
        register_actions(FAQ_ACTIONS)
