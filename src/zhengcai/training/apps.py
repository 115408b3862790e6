from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TrainingConfig(AppConfig):
    name = "zhengcai.training"
    verbose_name = _("Training")

    def ready(self) -> None:
        from zhengcai.core.audit import register_actions

        from .assessment import AUDIT_ACTIONS as ASSESSMENT_ACTIONS

        register_actions(ASSESSMENT_ACTIONS)
        from .services import TRAINING_ACTIONS

        register_actions(TRAINING_ACTIONS)
