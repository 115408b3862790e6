"""The securities app's JSON API operations (registered in zhengcai.config.api)."""

from ninja import Router

router = Router(tags=["securities"])
