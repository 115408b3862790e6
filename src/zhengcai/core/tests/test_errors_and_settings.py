from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from zhengcai.core.errors import ServiceError

ROOT = Path(__file__).resolve().parents[4]


def test_service_error_renders_both_languages() -> None:
    err = ServiceError("x.code", "field_a", _("Organization name is required."))
    body = err.as_dict()
    assert body["code"] == "x.code"
    assert body["field"] == "field_a"
    assert body["message_en"] == "Organization name is required."
    assert body["message_zh"] != body["message_en"]
    assert any("\u4e00" <= ch <= "\u9fff" for ch in str(body["message_zh"]))


def test_production_settings_pass_check_deploy(tmp_path: Path) -> None:
    env = {
        **os.environ,
        "ZC_ENV": "prod",
        "SECRET_KEY": "a-long-random-production-secret-key-for-this-test-only-7f3a9c1e5b",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'prod.sqlite3'}",
        "ALLOWED_HOSTS": "zhengcai.example.cn",
        "ZC_AUDIT_KEY": "an-audit-chain-key-kept-outside-the-database-for-this-test",
        "ZC_BID_KEK": "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=",
        "ZC_SIGNING_KEY": "ZmVkY2JhOTg3NjU0MzIxMGZlZGNiYTk4NzY1NDMyMTA=",
        "ZC_VAR_DIR": str(tmp_path),
    }
    env.pop("REDIS_URL", None)
    result = subprocess.run(  # noqa: S603 - our own manage.py
        [sys.executable, str(ROOT / "manage.py"), "check", "--deploy", "--fail-level", "WARNING"],
        env=env,
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_production_refuses_to_start_without_secret_key(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k != "SECRET_KEY"}
    env.update(
        {
            "ZC_AUDIT_KEY": "k" * 40,
            "ZC_ENV": "prod",
            "DATABASE_URL": f"sqlite:///{tmp_path / 'p.sqlite3'}",
            "ZC_VAR_DIR": str(tmp_path),
        }
    )
    result = subprocess.run(  # noqa: S603
        [sys.executable, str(ROOT / "manage.py"), "check"],
        env=env,
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr


def test_argon2_is_the_password_hasher_in_the_settings_module() -> None:
    from zhengcai.config import settings as module

    assert module.PASSWORD_HASHERS[0] == "django.contrib.auth.hashers.Argon2PasswordHasher"


@pytest.mark.skipif(not os.environ.get("REDIS_URL"), reason="Redis is configured only in the PostgreSQL run")
def test_cache_is_real_redis_when_redis_url_is_set() -> None:
    from django.core.cache import cache

    assert settings.CACHES["default"]["BACKEND"] == "django.core.cache.backends.redis.RedisCache"
    cache.set("zc-probe", "菏泽", 30)
    assert cache.get("zc-probe") == "菏泽"
