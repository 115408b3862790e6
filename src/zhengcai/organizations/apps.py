from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OrganizationsConfig(AppConfig):
    name = "zhengcai.organizations"
    label = "organizations"
    verbose_name = _("Organizations")

    def ready(self) -> None:
        from zhengcai.core.audit import register_actions

        register_actions(
            {
                "region.create": _("Region created"),
                "organization.create": _("Organization created"),
                "organization.bulk_import": _("Organizations imported"),
                "supplier.register": _("Supplier registered"),
                "supplier.approve": _("Supplier approved"),
                "supplier.reject": _("Supplier rejected"),
            }
        )
