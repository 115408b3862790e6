from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PublicityConfig(AppConfig):
    name = "zhengcai.publicity"
    verbose_name = _("Policy publicity")
