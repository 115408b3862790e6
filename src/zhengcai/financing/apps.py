from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FinancingConfig(AppConfig):
    name = "zhengcai.financing"
    verbose_name = _("Contract financing")

    def ready(self) -> None:
        from zhengcai.core.audit import register_actions

        register_actions(
            {
                "financing.product_publish": _("Financing product published"),
                "financing.apply": _("Financing application created"),
                "financing.submit": _("Financing application sent to the banks (contract attested)"),
                "financing.consent_grant": _("Consent to share the credit record granted"),
                "financing.consent_revoke": _("Consent to share the credit record revoked"),
                "financing.withdraw": _("Financing application withdrawn"),
                "financing.quote": _("Bank quote"),
                "financing.quoted": _("Financing application quoted"),
                "financing.accept": _("Quote accepted"),
                "financing.bank_decline": _("Bank declined a financing application"),
                "financing.declined": _("Financing application declined"),
                "financing.agreement": _("Financing agreement"),
                "financing.guarantee": _("Financing co-guarantee"),
                "financing.approve": _("Financing approved"),
                "financing.disburse": _("Loan disbursed"),
                "financing.disbursed": _("Financing application disbursed"),
                "financing.repay": _("Loan repaid"),
                "financing.repaid": _("Financing application repaid"),
                "financing.webhook_received": _("Bank webhook received"),
            }
        )
