from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SecuritiesConfig(AppConfig):
    name = "zhengcai.securities"
    verbose_name = _("Bid and performance security")
