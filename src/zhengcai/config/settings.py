"""Settings for zhengcai, read from environment variables.

ZC_ENV=dev (default) runs on an embedded SQLite file with debug tooling;
ZC_ENV=prod requires SECRET_KEY and DATABASE_URL and turns on every deployment check.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

SRC_DIR = Path(__file__).resolve().parent.parent  # src/zhengcai
BASE_DIR = SRC_DIR.parent.parent  # project root
VAR_DIR = Path(os.environ.get("ZC_VAR_DIR", BASE_DIR / "var"))
VAR_DIR.mkdir(parents=True, exist_ok=True)

ZC_ENV = os.environ.get("ZC_ENV", "dev")
if ZC_ENV not in {"dev", "prod"}:
    raise ImproperlyConfigured(f"ZC_ENV must be 'dev' or 'prod', not {ZC_ENV!r}")
PROD = ZC_ENV == "prod"


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: list[str]) -> list[str]:
    value = os.environ.get(name)
    if not value:
        return default
    return [item.strip() for item in value.split(",") if item.strip()]


if PROD:
    try:
        SECRET_KEY = os.environ["SECRET_KEY"]
    except KeyError as exc:
        raise ImproperlyConfigured("SECRET_KEY must be set when ZC_ENV=prod") from exc
else:
    # A development key only; production refuses to start without SECRET_KEY.
    SECRET_KEY = os.environ.get("SECRET_KEY", "dev-only-insecure-key-not-for-production-use-0123456789abcdef")

# Key for the audit log's HMAC chain. Kept outside the database so that someone who can
# write SQL cannot recompute the chain after tampering (docs/decisions.md).
if PROD and not os.environ.get("ZC_AUDIT_KEY"):
    raise ImproperlyConfigured(
        "ZC_AUDIT_KEY must be set when ZC_ENV=prod (rotating SECRET_KEY must not break the audit chain)"
    )
AUDIT_CHAIN_KEY = os.environ.get("ZC_AUDIT_KEY", SECRET_KEY)

# Keys for sealed bids and signed receipts (base64 of 32 random bytes each), kept outside the
# database: ZC_BID_KEK wraps each tender's opening key; ZC_SIGNING_KEY is the platform's Ed25519
# seed. In dev both are derived from SECRET_KEY; production refuses to start without them.
for _name in ("ZC_BID_KEK", "ZC_SIGNING_KEY"):
    if PROD and not os.environ.get(_name):
        raise ImproperlyConfigured(f"{_name} must be set when ZC_ENV=prod")
BID_KEK = os.environ.get("ZC_BID_KEK", "")
SIGNING_KEY = os.environ.get("ZC_SIGNING_KEY", "")

DEBUG = env_bool("DEBUG", not PROD)
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", [] if PROD else ["127.0.0.1", "localhost", "[::1]", "testserver"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "axes",
    "django_htmx",
    "ninja",  # serves the API docs page's Swagger UI from our own static files, not a CDN
    "django_tasks",
    "django_tasks_db",
    "zhengcai.core",
    "zhengcai.organizations",
    "zhengcai.accounts",
    "zhengcai.procurement",
    "zhengcai.opendata",
    "zhengcai.integrations",
    "zhengcai.credit",
    "zhengcai.guarantees",
    "zhengcai.securities",
    "zhengcai.financing",
    "zhengcai.policies",
    "zhengcai.publicity",
    "zhengcai.training",
    "zhengcai.service",
    "zhengcai.evaluation",
    "zhengcai.portal",
    "zhengcai.demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "zhengcai.core.middleware.PermissionDeclaredMiddleware",
    # AxesMiddleware last, as its documentation requires.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "zhengcai.config.urls"
WSGI_APPLICATION = "zhengcai.config.wsgi.application"
ASGI_APPLICATION = "zhengcai.config.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [SRC_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "zhengcai.accounts.context_processors.current_membership_context",
            ],
        },
    },
]

# --- Database -----------------------------------------------------------------------
# Embedded SQLite by default; PostgreSQL (psycopg 3) through DATABASE_URL in production.
DEFAULT_SQLITE = f"sqlite:///{VAR_DIR / 'zhengcai.sqlite3'}"
DATABASE_URL = os.environ.get("DATABASE_URL", "" if PROD else DEFAULT_SQLITE)
if not DATABASE_URL:
    raise ImproperlyConfigured("DATABASE_URL must be set when ZC_ENV=prod")
DATABASES: dict[str, Any] = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=0 if not PROD else 60)}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["OPTIONS"] = {
        # WAL lets the worker and the web server share the file; IMMEDIATE avoids
        # "database is locked" upgrades inside write transactions.
        "transaction_mode": "IMMEDIATE",
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;",
        "timeout": 20,
    }
    DATABASES["default"]["TEST"] = {"NAME": ":memory:"}
else:
    DATABASES["default"].setdefault("TEST", {})["NAME"] = os.environ.get("ZC_TEST_DB_NAME", "test_zhengcai")
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Cache / Redis ----------------------------------------------------------------------
REDIS_URL = os.environ.get("REDIS_URL", "")
CACHES: dict[str, dict[str, Any]]
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": os.environ.get("ZC_CACHE_PREFIX", "zc"),
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
# Rendered template fragments ({% cache %}: the notice list, the site header and footer) stay in each
# process: reading one costs no network round trip (a Redis GET can cost as much as rendering the
# fragment), and a deploy, which restarts the processes, never serves HTML rendered by the old
# templates. Shared data (e.g. the notice list's counts) goes to "default".
CACHES["template_fragments"] = {
    "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
    "LOCATION": "template-fragments",
    "OPTIONS": {"MAX_ENTRIES": 2000},
}

# --- Background tasks -------------------------------------------------------------------
# One task API (django-tasks). Embedded: the database backend and `manage.py db_worker`.
# Scaled out: RQ on Redis with `manage.py rqworker` (ZC_TASK_BACKEND=rq).
TASK_BACKEND = os.environ.get("ZC_TASK_BACKEND", "rq" if (PROD and REDIS_URL) else "db")
if TASK_BACKEND not in {"db", "rq", "immediate"}:
    raise ImproperlyConfigured(f"ZC_TASK_BACKEND must be db, rq or immediate, not {TASK_BACKEND!r}")
if TASK_BACKEND == "rq":
    if not REDIS_URL:
        raise ImproperlyConfigured("ZC_TASK_BACKEND=rq needs REDIS_URL")
    INSTALLED_APPS += ["django_rq"]
    RQ_QUEUES = {"default": {"URL": REDIS_URL}}
    TASKS = {"default": {"BACKEND": "django_tasks_rq.RQBackend", "QUEUES": ["default"]}}
elif TASK_BACKEND == "immediate":
    TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
else:
    TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}

# --- Files --------------------------------------------------------------------------------
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", VAR_DIR / "media"))
MEDIA_URL = "/media/"
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT", VAR_DIR / "static"))
STATIC_URL = "/static/"
STATICFILES_DIRS = [SRC_DIR / "static"]
STATIC_ROOT.mkdir(parents=True, exist_ok=True)
S3_BUCKET = os.environ.get("ZC_S3_BUCKET", "")
if S3_BUCKET:
    default_storage: dict[str, Any] = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": S3_BUCKET,
            "endpoint_url": os.environ.get("ZC_S3_ENDPOINT_URL") or None,
            "region_name": os.environ.get("ZC_S3_REGION") or None,
            "default_acl": None,
            "querystring_auth": True,
            "file_overwrite": False,
        },
    }
else:
    default_storage = {"BACKEND": "django.core.files.storage.FileSystemStorage"}
STORAGES = {
    "default": default_storage,
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if PROD or env_bool("ZC_MANIFEST_STATIC", False)
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}

# --- Authentication ---------------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "accounts:home"
LOGOUT_REDIRECT_URL = "portal:home"

# Login throttling (django-axes): 5 failures per username and address lock for 15 minutes.
AXES_FAILURE_LIMIT = int(os.environ.get("ZC_LOGIN_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = 0.25  # hours
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "accounts/locked_out.html"
AXES_ENABLED = env_bool("ZC_AXES_ENABLED", True)

# --- Internationalisation -------------------------------------------------------------
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [SRC_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

# --- Security (prod) ------------------------------------------------------------------
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = True  # htmx gets the token from the page (hx-headers), not from the cookie
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
if PROD:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = env_bool("ZC_SSL_REDIRECT", True)
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = int(os.environ.get("ZC_HSTS_SECONDS", str(60 * 60 * 24 * 365)))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True

# --- Mail and the notification outbox ----------------------------------------------
# Without an SMTP server the mail goes to files in var/outbox/mail: each message is
# really written and can be read; nothing pretends to have been delivered.
EMAIL_HOST = os.environ.get("EMAIL_HOST", "")
if EMAIL_HOST:
    EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    EMAIL_PORT = int(os.environ.get("EMAIL_PORT", "587"))
    EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
    EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
    EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", True)
else:
    EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
    EMAIL_FILE_PATH = str(VAR_DIR / "outbox" / "mail")
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "zhengcai@czj.heze.gov.cn.invalid")

# --- Platform ---------------------------------------------------------------------------

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO" if PROD else "WARNING")},
}
ZC_ADMIN_PATH = os.environ.get("ZC_ADMIN_PATH", "operator/")  # Django admin for platform operators (is_staff)
# OCDS: ocid = prefix + "-" + project number. Register the prefix with the Open Contracting Partnership.
ZC_OCID_PREFIX = os.environ.get("ZC_OCID_PREFIX", "ocds-zc0000")
# The portal's public address, printed in QR codes and documents (e.g. https://zfcg.czj.heze.gov.cn).
ZC_PUBLIC_URL = os.environ.get("ZC_PUBLIC_URL", "http://127.0.0.1:8000")
# Training check-in QR codes: HMAC-SHA256 key (base64 of 32 bytes; unset: derived from SECRET_KEY), codes valid
# until the session ends plus the grace; the share of a live session (meeting export) that counts as attended.
TRAINING_CHECKIN_KEY = os.environ.get("ZC_TRAINING_CHECKIN_KEY", "")
TRAINING_CHECKIN_GRACE_MINUTES = int(os.environ.get("ZC_TRAINING_CHECKIN_GRACE_MINUTES", "30"))
TRAINING_LIVE_ATTENDANCE_PCT = int(os.environ.get("ZC_TRAINING_LIVE_ATTENDANCE_PCT", "80"))
