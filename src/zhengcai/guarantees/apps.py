from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class GuaranteesConfig(AppConfig):
    name = "zhengcai.guarantees"
    verbose_name = _("Electronic letters of guarantee")
