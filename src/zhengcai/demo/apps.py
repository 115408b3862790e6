from django.apps import AppConfig


class DemoConfig(AppConfig):
    name = "zhengcai.demo"
    label = "demo"
    verbose_name = "Demo data"
