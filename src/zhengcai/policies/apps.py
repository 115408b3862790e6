from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PoliciesConfig(AppConfig):
    name = "zhengcai.policies"
    verbose_name = _("Policy library")

    def ready(self) -> None:
        from zhengcai.core.audit import register_actions

        register_actions(
            {
                "policy.create": _("Policy document added"),
                "policy.update": _("Policy document edited"),
                "policy.status": _("Policy document status changed"),
                "policy.attachment.add": _("Policy document attachment added"),
                "policy.tag.create": _("Policy tag created"),
                "policy.category.create": _("Policy category created"),
                "policy.category.update": _("Policy category edited"),
            }
        )
