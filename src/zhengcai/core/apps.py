from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "zhengcai.core"
    label = "core"
    verbose_name = _("Core")

    def ready(self) -> None:
        from .audit import register_actions

        register_actions({"calendar.load": _("Official calendar loaded")})
