from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EvaluationConfig(AppConfig):
    name = "zhengcai.evaluation"
    verbose_name = _("Business-environment evaluation")

    def ready(self) -> None:
        from zhengcai.core.audit import register_actions

        from . import audit_actions

        register_actions(audit_actions.ACTIONS)
