"""The one base settings module of every Mortar api, worker and beat.

Everything comes from the environment (twelve-factor; names in docs/contracts.md and
docs/api-base.md). A site's settings module does ``from mortar_api.settings import *`` and
extends the lists below with the helpers in ``mortar_api.settings_helpers``.
"""

from __future__ import annotations

import os
from importlib.util import find_spec
from pathlib import Path

import environ
from mortar_contract.errortracking import init_sentry
from mortar_contract.prefix import redis_prefix

from mortar_api.accounts import conf as login_conf
from mortar_api.cms.languages import SUPPORTED_LANGUAGES
from mortar_api.settings_helpers import (
    build_installed_apps,
    connection_schema,
    csrf_trusted_origins,
    database_config,
    email_settings,
    media_storage,
    parse_domains,
    parse_languages,
    redis_transport_options,
    search_max_results,
)
from mortar_api.tenancy.hosts import TenantAllowedHosts

env = environ.Env()
# A site may point at its .env explicitly; nothing is read implicitly from the cwd.
if os.environ.get("MORTAR_ENV_FILE"):
    environ.Env.read_env(os.environ["MORTAR_ENV_FILE"])

PACKAGE_DIR = Path(__file__).resolve().parent
BASE_DIR = Path(env("MORTAR_BASE_DIR", default=os.getcwd()))

# --- core ---------------------------------------------------------------------------------
DEBUG = env.bool("DJANGO_DEBUG", default=False)
_DEV_SECRET = "mortar-dev-only-" + "x" * 50
SECRET_KEY = env("SECRET_KEY", default=_DEV_SECRET if DEBUG else environ.Env.NOTSET)
MORTAR_SITE_SLUG = env("MORTAR_SITE_SLUG", default="mortar")
# One rule for every process of a site (mortar_contract.prefix): the prefix, else the slug.
MORTAR_REDIS_PREFIX = redis_prefix(os.environ)
# The first tenant's site name when it is created (a site's settings set it from its answers).
MORTAR_SITE_NAME = env("MORTAR_SITE_NAME", default="")
# max-age of the public API's GET answers: what the shared nginx's micro-cache may keep.
MORTAR_API_HTTP_MAX_AGE = env.int("MORTAR_API_HTTP_MAX_AGE", default=5)
MORTAR_DOMAINS = parse_domains(env("MORTAR_DOMAINS", default=""))

# Hosts are checked against the tenants' domains by the tenant middleware; ALLOWED_HOSTS
# then admits exactly the host that middleware resolved (plus these static extras).
ALLOWED_HOSTS = TenantAllowedHosts([*MORTAR_DOMAINS, *env.list("DJANGO_ALLOWED_HOSTS", default=[])])

# --- apps (django-tenants: public schema = SHARED_APPS, each tenant schema = TENANT_APPS) -
SHARED_APPS = [
    "django_tenants",
    "mortar_api.tenancy",
    "modeltranslation",  # must precede django.contrib.admin
    "django.contrib.contenttypes",
    "django.contrib.staticfiles",
    "django_celery_beat",
    "drf_spectacular",
    "django_filters",  # editor list filters (templates for the browsable API in DEBUG)
    "django_prometheus",  # request metrics (docs/metrics.md); served only on the metrics port
]
TENANT_APPS = [
    "django.contrib.contenttypes",
    "django.contrib.auth",
    "mortar_api.adminsite",  # before the admin: its admin/base_site.html wins
    "django.contrib.admin",
    "django_prose_editor",  # the rich-text editor's widget and assets
    "tree_queries",  # the page tree (admin tree view)
    "auditlog",  # history of every change, per tenant
    "django.contrib.sessions",
    "django.contrib.messages",
    "rest_framework",
    "rest_framework.authtoken",
    "mortar_api.cms",
    "mortar_api.media",
    "mortar_api.webhooks",
    "mortar_api.accounts",  # before axes: its tenant-aware axes_reset wins
    "axes",  # login attempts and lockouts, per tenant
]
INSTALLED_APPS = build_installed_apps(SHARED_APPS, TENANT_APPS)

TENANT_MODEL = "tenancy.Tenant"
TENANT_DOMAIN_MODEL = "tenancy.Domain"
# New tenants are cloned from this always-migrated template schema (fast creation).
TENANT_BASE_SCHEMA = env("MORTAR_TENANT_TEMPLATE_SCHEMA", default="mortar_template")
TENANT_CREATION_FAKES_MIGRATIONS = True
TENANT_MULTIPROCESSING_MAX_PROCESSES = env.int("MORTAR_MIGRATE_PROCESSES", default=2)
DATABASE_ROUTERS = ["django_tenants.routers.TenantSyncRouter"]
# Skip re-sending SET search_path before every query when the tenant did not change
# (measured: cold /api/v1/site/ 30.6 -> 23.0 ms in-process).
TENANT_LIMIT_SET_CALLS = True

MIDDLEWARE = [
    # metrics first and last: they time the whole stack (docs/metrics.md)
    "django_prometheus.middleware.PrometheusBeforeMiddleware",
    "mortar_api.metrics.ApiMetricsMiddleware",
    # a cached anonymous public API GET: one Redis read, before tenant routing and sessions
    "mortar_api.cms.early_cache.EarlyPublicCacheMiddleware",
    "mortar_api.health.middleware.HealthCheckMiddleware",  # probes: any Host, no tenant
    "mortar_api.tenancy.middleware.TenantMiddleware",  # unknown host -> 404 JSON
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "mortar_api.cms.history.AuditlogMiddleware",  # history entries name the signed-in user
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "mortar_api.resilience.FaultResponseMiddleware",  # database down: 503; disk full: 507
    "mortar_api.media.objectstore.StorageErrorMiddleware",  # S3 down: a 503 naming the cause
    "django_prometheus.middleware.PrometheusAfterMiddleware",
    "axes.middleware.AxesMiddleware",  # last: turns a refused login into the lockout answer
]

# --- django-debug-toolbar: development only -----------------------------------------------
# On with DJANGO_DEBUG=true when the package is installed (a site's requirements-dev.txt has
# it; no image does); MORTAR_DEBUG_TOOLBAR=false turns it off. Its URLs are under /api/ so
# the shared nginx routes them to the api. Shown to loopback clients (INTERNAL_IPS).
MORTAR_DEBUG_TOOLBAR = (
    DEBUG
    and env.bool("MORTAR_DEBUG_TOOLBAR", default=True)
    and find_spec("debug_toolbar") is not None
)
if MORTAR_DEBUG_TOOLBAR:
    SHARED_APPS.append("debug_toolbar")
    INSTALLED_APPS = build_installed_apps(SHARED_APPS, TENANT_APPS)
    # after the tenant is set (its SQL is the tenant's), before anything that encodes
    _after_tenant = MIDDLEWARE.index("mortar_api.tenancy.middleware.TenantMiddleware") + 1
    MIDDLEWARE.insert(_after_tenant, "debug_toolbar.middleware.DebugToolbarMiddleware")
    INTERNAL_IPS = ["127.0.0.1", "::1"]

ROOT_URLCONF = "mortar_api.urls"
WSGI_APPLICATION = "mortar_api.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    }
]

# --- database -----------------------------------------------------------------------------
DATABASES = {
    "default": database_config(
        env(
            "DATABASE_URL",
            default="postgres://postgres@127.0.0.1:5432/mortar" if DEBUG else environ.Env.NOTSET,
        )
    )
}
DATABASES["default"].setdefault("CONN_MAX_AGE", env.int("DJANGO_CONN_MAX_AGE", default=60))
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True  # a restarted PostgreSQL: reconnect, no error
# A down or unreachable server fails the request in seconds (a 503: mortar_api.resilience),
# not after the kernel's TCP timeout.
DATABASES["default"].setdefault("OPTIONS", {}).setdefault(
    "connect_timeout", env.int("MORTAR_DB_CONNECT_TIMEOUT", default=3)
)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- cache and Redis (every key under "<prefix>:", the site's ACL user's namespace) -------
REDIS_URL = env("REDIS_URL", default="redis://127.0.0.1:6379/0")
CACHES = {
    "default": {
        # Redis down is a miss, never a 500 (mortar_api.resilience.TolerantRedisCache)
        "BACKEND": "mortar_api.resilience.TolerantRedisCache",
        "LOCATION": REDIS_URL,
        "KEY_PREFIX": MORTAR_REDIS_PREFIX,
        # "<prefix>:cache:<schema>:<version>:<key>" - prefix first for the Redis ACL.
        "KEY_FUNCTION": "mortar_api.tenancy.cache.make_key",
        "TIMEOUT": env.int("MORTAR_CACHE_TIMEOUT", default=300),
        "OPTIONS": {"socket_timeout": 2, "socket_connect_timeout": 2},  # fail fast when down
    }
}
SESSION_ENGINE = "django.contrib.sessions.backends.db"

# --- Celery (read by mortar_api.celery.create_app, namespace CELERY_) ----------------------
CELERY_BROKER_URL = env("CELERY_BROKER_URL", default=REDIS_URL)
CELERY_RESULT_BACKEND = env("CELERY_RESULT_BACKEND", default=REDIS_URL)
CELERY_BROKER_TRANSPORT_OPTIONS = {
    **redis_transport_options(MORTAR_REDIS_PREFIX),
    # A send while the broker is down gives up within about 2 s (the caller then keeps it in
    # the outbox) instead of kombu's default of retrying for the whole connect timeout on
    # every publish attempt, which held an editor's save past the edge's timeout. The
    # worker's own reconnect loop is separate (broker_connection_retry).
    "max_retries": 1,
    "interval_start": 0,
    "interval_step": 0.5,
    "interval_max": 0.5,
    "connect_retries_timeout": 2,
}
CELERY_BROKER_CONNECTION_TIMEOUT = 2
CELERY_TASK_PUBLISH_RETRY_POLICY = {
    "max_retries": 1,
    "interval_start": 0,
    "interval_step": 0.2,
    "interval_max": 0.2,
}
CELERY_RESULT_BACKEND_TRANSPORT_OPTIONS = redis_transport_options(MORTAR_REDIS_PREFIX)
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_TIME_LIMIT = env.int("MORTAR_TASK_TIME_LIMIT", default=300)
CELERY_TASK_SOFT_TIME_LIMIT = env.int("MORTAR_TASK_SOFT_TIME_LIMIT", default=240)
CELERY_TASK_ANNOTATIONS = {"*": {"max_retries": 5, "default_retry_delay": 30}}
CELERY_RESULT_EXPIRES = 24 * 3600
CELERY_TASK_SERIALIZER = CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_WORKER_HIJACK_ROOT_LOGGER = False
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
CELERY_TASK_ALWAYS_EAGER = env.bool("MORTAR_CELERY_EAGER", default=False)

# --- languages (django-modeltranslation: per-language columns title_en, title_ar, ...) -----
# The per-language columns are in the shipped migrations, so modeltranslation always knows
# every supported language; MORTAR_LANGUAGES picks the enabled subset (first = default).
LANGUAGES = parse_languages(env("MORTAR_LANGUAGES", default="en"), SUPPORTED_LANGUAGES)
LANGUAGE_CODE = LANGUAGES[0][0]
MODELTRANSLATION_DEFAULT_LANGUAGE = LANGUAGE_CODE
MODELTRANSLATION_LANGUAGES = SUPPORTED_LANGUAGES
MODELTRANSLATION_FALLBACK_LANGUAGES = (LANGUAGE_CODE,)
USE_I18N = True
TIME_ZONE = env("TIME_ZONE", default="UTC")
CELERY_TIMEZONE = TIME_ZONE
USE_TZ = True

# --- static and media ---------------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = Path(env("STATIC_ROOT", default=str(BASE_DIR / "staticfiles")))
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(env("MEDIA_ROOT", default=str(BASE_DIR / "media")))
MORTAR_MEDIA_STORAGE = env("MORTAR_MEDIA_STORAGE", default="local")
# Removing a tenant deletes its media (folder or bucket prefix) unless this keeps them.
MORTAR_MEDIA_KEEP_REMOVED = env.bool("MORTAR_MEDIA_KEEP_REMOVED", default=False)
_media_storage = media_storage(env)  # local folder or S3 bucket (AWS_* variables)
STORAGES = {
    "default": _media_storage,
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
FILE_UPLOAD_MAX_MEMORY_SIZE = 2_621_440
# A search ranks and counts at most this many matches (cms.search): a word on most pages
# would otherwise cost a ts_rank over every one of them.
MORTAR_SEARCH_MAX_RESULTS = search_max_results(env.int("MORTAR_SEARCH_MAX_RESULTS", default=1000))

DATA_UPLOAD_MAX_MEMORY_SIZE = env.int("MORTAR_MAX_BODY_BYTES", default=10 * 1024 * 1024)

# --- email ----------------------------------------------------------------------------------
# EMAIL_PROVIDER: console, smtp (EMAIL_URL) or an anymail provider with its credentials
# (settings_helpers.ANYMAIL_PROVIDERS; docs/api-base.md). Contact mail (cms.tasks) and
# Django's own mail (mail_admins, password resets) all go through EMAIL_BACKEND.
EMAIL_PROVIDER = env("EMAIL_PROVIDER", default="")
vars().update(email_settings(env))
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default="webmaster@localhost")
SERVER_EMAIL = env("SERVER_EMAIL", default=DEFAULT_FROM_EMAIL)  # errors to ADMINS come from it
EMAIL_TIMEOUT = env.int("EMAIL_TIMEOUT", default=30)  # a dead SMTP server fails, then retries

# --- security (production defaults; behind the shared nginx, which sets X-Forwarded-Proto) -
# MORTAR_HTTPS=false only for plain-http setups (local demo); `check --deploy` then warns.
MORTAR_HTTPS = env.bool("MORTAR_HTTPS", default=not DEBUG)
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = MORTAR_HTTPS
SESSION_COOKIE_SECURE = MORTAR_HTTPS
CSRF_COOKIE_SECURE = MORTAR_HTTPS
SECURE_HSTS_SECONDS = env.int("DJANGO_HSTS_SECONDS", default=31_536_000 if MORTAR_HTTPS else 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("DJANGO_HSTS_INCLUDE_SUBDOMAINS", default=True)
SECURE_HSTS_PRELOAD = env.bool("DJANGO_HSTS_PRELOAD", default=True)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
# Same-origin requests of any tenant domain pass Django's CSRF check by Host; these are
# the extra origins (the first tenant's domains, e.g. web on another port in development).
CSRF_TRUSTED_ORIGINS = csrf_trusted_origins(MORTAR_DOMAINS, MORTAR_HTTPS) + env.list(
    "DJANGO_CSRF_TRUSTED_ORIGINS", default=[]
)

# --- login lockout (django-axes; its tables are per tenant, see TENANT_APPS) -----------------
# Failed admin and token logins are counted per username and client address; after
# MORTAR_LOGIN_FAILURE_LIMIT failures the key is refused for MORTAR_LOGIN_COOLOFF_MINUTES
# (each refused attempt restarts it). Reset: `mortar-api axes_reset` (docs/api-base.md).
AUTHENTICATION_BACKENDS = [
    "mortar_api.accounts.backends.LockoutBackend",  # first: refuses locked-out logins
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = login_conf.failure_limit(env.int("MORTAR_LOGIN_FAILURE_LIMIT", default=5))
AXES_COOLOFF_TIME = login_conf.cooloff(env.int("MORTAR_LOGIN_COOLOFF_MINUTES", default=15))
AXES_LOCKOUT_PARAMETERS = login_conf.parse_lockout_parameters(
    env("MORTAR_LOGIN_LOCKOUT", default="username+ip_address")
)
# The address DRF's throttles use (REST_FRAMEWORK["NUM_PROXIES"]), not a spoofable header.
AXES_CLIENT_IP_CALLABLE = "mortar_api.accounts.client_ip.client_ip"
AXES_LOCKOUT_CALLABLE = "mortar_api.accounts.lockout.lockout_response"
AXES_HTTP_RESPONSE_CODE = 429
AXES_RESET_ON_SUCCESS = True
AXES_ENABLE_ACCESS_FAILURE_LOG = True  # every failure, listed in the admin
# Failure and login logs older than this are pruned nightly (accounts.tasks).
MORTAR_LOGIN_LOG_DAYS = env.int("MORTAR_LOGIN_LOG_DAYS", default=90)
AXES_VERBOSE = False  # no start-up banner in every command's output

# --- DRF and OpenAPI --------------------------------------------------------------------------
REST_FRAMEWORK = {
    # Error responses, strict request bodies: see mortar_api.cms.openapi.
    "DEFAULT_SCHEMA_CLASS": "mortar_api.cms.openapi.MortarAutoSchema",
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticatedOrReadOnly"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    # Client address for throttling = the X-Forwarded-For entry added by the edge proxy
    # (nginx; web passes it on unchanged). Raise it when a CDN/LB sits in front of nginx.
    "NUM_PROXIES": env.int("MORTAR_NUM_PROXIES", default=1),
}
if DEBUG:
    REST_FRAMEWORK["DEFAULT_RENDERER_CLASSES"].append(
        "rest_framework.renderers.BrowsableAPIRenderer"
    )
SPECTACULAR_SETTINGS = {
    "TITLE": "Mortar API",
    "DESCRIPTION": "Public content API and editor API of a Mortar site (per tenant domain).",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    # Separate request components: they carry minLength, binary uploads and
    # additionalProperties: false, which would be wrong on the response shapes.
    "COMPONENT_SPLIT_REQUEST": True,
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "mortar_api.cms.openapi.postprocess",
    ],
}

# --- logging: one JSON object per line on stdout ----------------------------------------------
LOG_LEVEL = env("DJANGO_LOG_LEVEL", default="INFO")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"json": {"()": "mortar_api.jsonlog.JsonFormatter"}},
    "handlers": {
        "stdout": {
            "class": "logging.StreamHandler",
            "stream": "ext://sys.stdout",
            "formatter": "json",
        }
    },
    "root": {"handlers": ["stdout"], "level": LOG_LEVEL},
    "loggers": {
        "django.db.backends": {"level": "INFO"},
        "django.security.DisallowedHost": {"level": "WARNING"},
    },
}

# --- error reports: sentry-sdk when SENTRY_DSN is set (mortar_contract.errortracking) ------
# Started here, so every process that loads these settings reports: gunicorn (api), the
# Celery worker and beat, migrate and management commands (MORTAR_ROLE, set by run.py, says
# which; anything else, e.g. manage.py, is "manage").
_role = os.environ.get("MORTAR_ROLE") or "manage"  # run.py sets api, worker, beat, migrate
SENTRY_ENABLED = init_sentry(_role, tenant_schema=connection_schema)
