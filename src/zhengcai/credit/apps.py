from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CreditConfig(AppConfig):
    name = "zhengcai.credit"
    verbose_name = _("Supplier credit")
