from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CreditConfig(AppConfig):
    name = "zhengcai.credit"
    verbose_name = _("Supplier credit")

    def ready(self) -> None:
        from zhengcai.core.audit import register_actions

        register_actions(
            {
                "credit.record.add": _("Credit record added"),
                "credit.record.revoke": _("Credit record revoked"),
                "credit.record.sync": _("Credit record derived from the platform"),
                "credit.import": _("Credit records imported"),
                "credit.policy.publish": _("Credit policy version published"),
                "credit.exemption.decide": _("Bid-security exemption decided"),
            }
        )
