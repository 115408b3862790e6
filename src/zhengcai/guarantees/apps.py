from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class GuaranteesConfig(AppConfig):
    name = "zhengcai.guarantees"
    verbose_name = _("Electronic letters of guarantee")

    def ready(self) -> None:
        from zhengcai.core.audit import register_actions

        register_actions(
            {
                "guarantee_key.register": _("Guarantee signing key registered and certified"),
                "guarantee_key.retire": _("Guarantee signing key retired (rotation)"),
                "guarantee_key.revoke": _("Guarantee signing key revoked"),
                "guarantee.issue": _("Letter of guarantee issued"),
                "guarantee.prepare": _("Letter of guarantee prepared for signing"),
                "guarantee.accept": _("Letter of guarantee accepted"),
                "guarantee.release": _("Letter of guarantee released"),
                "guarantee.claim": _("Letter of guarantee claimed"),
                "guarantee.claim_record": _("Claim under a guarantee recorded"),
                "guarantee.expire": _("Letter of guarantee expired"),
            }
        )
