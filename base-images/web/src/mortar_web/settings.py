"""Settings of the web service, all from the environment (django-environ).

The web tier holds no database credentials: it renders pages from the
api-base public API and caches what it fetched in Redis. A site extends these
settings either through the environment (``MORTAR_WEB_TEMPLATE_DIRS``,
``MORTAR_WEB_STATIC_DIRS``, ``MORTAR_WEB_EXTRA_APPS``) or with its own module
doing ``from mortar_web.settings import *`` (see docs/extending.md, ``## web``).
"""

import os
from pathlib import Path

import environ
from mortar_contract.errortracking import init_sentry
from mortar_contract.prefix import redis_prefix

env = environ.Env()
if env.str("MORTAR_ENV_FILE", default=""):
    environ.Env.read_env(env.str("MORTAR_ENV_FILE"))

PACKAGE_DIR = Path(__file__).resolve().parent

DEBUG = env.bool("DJANGO_DEBUG", default=False)
SECRET_KEY = env.str("SECRET_KEY")
# nginx's server_name is the gate for tenant domains (unknown hosts get 444 there)
# and the api decides which tenant a Host belongs to; web serves whatever reaches it.
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=["*"])

# --- the api and the languages -------------------------------------------------
MORTAR_API_URL = env.str("MORTAR_API_URL", default="http://127.0.0.1:8000").rstrip("/")
MORTAR_API_CONNECT_TIMEOUT = env.float("MORTAR_API_CONNECT_TIMEOUT", default=2.0)
MORTAR_API_READ_TIMEOUT = env.float("MORTAR_API_READ_TIMEOUT", default=5.0)
MORTAR_LANGUAGES = [
    code.strip().lower() for code in env.list("MORTAR_LANGUAGES", default=["en"]) if code.strip()
]
# The same rule as the api's (mortar_contract.prefix): the prefix, else the site slug.
MORTAR_REDIS_PREFIX = redis_prefix(os.environ)
REDIS_URL = env.str("REDIS_URL", default="redis://127.0.0.1:6379/0")

# --- caching ------------------------------------------------------------------
# API responses live this long in web's Redis cache; a publish is visible sooner
# because every key carries the tenant's content generation (docs/web-base.md).
MORTAR_WEB_CACHE_TTL = env.int("MORTAR_WEB_CACHE_TTL", default=60)
# max-age of anonymous GET responses: what an nginx micro-cache may keep.
MORTAR_WEB_HTTP_MAX_AGE = env.int("MORTAR_WEB_HTTP_MAX_AGE", default=5)
# A request carrying the api's session cookie comes from an editor: never cached.
MORTAR_WEB_EDITOR_COOKIES = env.list("MORTAR_WEB_EDITOR_COOKIES", default=["sessionid"])
MORTAR_WEB_CONTACT_PATH = env.str("MORTAR_WEB_CONTACT_PATH", default="contact").strip("/")
# where the header's search box leads (views/search.py); wins over a CMS page at that path
MORTAR_WEB_SEARCH_PATH = env.str("MORTAR_WEB_SEARCH_PATH", default="search").strip("/")
MORTAR_WEB_RETRY_AFTER = env.int("MORTAR_WEB_RETRY_AFTER", default=30)
# the page for a tenant in maintenance or suspended (the api's 503 names the state)
MORTAR_WEB_TENANT_UNAVAILABLE_TEMPLATE = env(
    "MORTAR_WEB_TENANT_UNAVAILABLE_TEMPLATE", default="mortar_web/tenant_unavailable.html"
)

_redis_timeout = env.float("MORTAR_REDIS_TIMEOUT", default=0.5)
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": REDIS_URL,
        # every key starts with "<prefix>:" — the site's Redis ACL user may touch nothing else
        "KEY_PREFIX": f"{MORTAR_REDIS_PREFIX}:cache:web",
        "TIMEOUT": MORTAR_WEB_CACHE_TTL,
        "OPTIONS": {"socket_timeout": _redis_timeout, "socket_connect_timeout": _redis_timeout},
    }
}

# --- no database ----------------------------------------------------------------
DATABASES: dict = {}

INSTALLED_APPS = [
    *env.list("MORTAR_WEB_EXTRA_APPS", default=[]),  # a site's apps first: their templates win
    "mortar_web",
    "django.contrib.staticfiles",
    "django_prometheus",  # request metrics (docs/metrics.md); served only on the metrics port
]

MIDDLEWARE = [
    # first: everything after it (and the page cache) sees one spelling of the Host
    "django_prometheus.middleware.PrometheusBeforeMiddleware",
    "mortar_web.middleware.CanonicalHostMiddleware",
    "mortar_web.middleware.WebMetricsMiddleware",  # after the Host is canonical
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "mortar_web.middleware.CacheControlMiddleware",
    "django_prometheus.middleware.PrometheusAfterMiddleware",
]

ROOT_URLCONF = env.str("MORTAR_WEB_URLCONF", default="mortar_web.urls")
WSGI_APPLICATION = "mortar_web.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        # a site's template dirs come first; the base's templates are the fallback
        "DIRS": env.list("MORTAR_WEB_TEMPLATE_DIRS", default=[]),
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.csrf",
            ],
            "builtins": ["mortar_web.templatetags.mortar_web"],
        },
    }
]

# --- static assets under /assets/ (nginx sends /static/ to the api) --------------
STATIC_URL = "/assets/"
# `mortar-web collectstatic` writes fingerprinted, compressed copies here (image build)
STATIC_ROOT = env.str("MORTAR_WEB_STATIC_ROOT", default=str(PACKAGE_DIR / "collected_assets"))
# a site's static dirs come first (FileSystemFinder runs before AppDirectoriesFinder)
STATICFILES_DIRS = env.list("MORTAR_WEB_STATIC_DIRS", default=[])
# a site's own stylesheets (static paths), linked after the base's: e.g. "acme_web/site.css"
MORTAR_WEB_EXTRA_CSS = env.list("MORTAR_WEB_EXTRA_CSS", default=[])
STORAGES = {
    "staticfiles": {"BACKEND": "mortar_web.storage.FingerprintedStaticStorage"},
}
# Without `collectstatic` (a dev checkout) files are served from the finders;
# the image runs collectstatic so files are fingerprinted and cached for a year.
WHITENOISE_USE_FINDERS = True
WHITENOISE_MAX_AGE = 300

# --- HTTP details ---------------------------------------------------------------
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
USE_X_FORWARDED_HOST = False  # nginx passes the visitor's Host as Host
CSRF_COOKIE_NAME = "mortar_web_csrftoken"  # the api's admin uses "csrftoken" on the same host
CSRF_COOKIE_HTTPONLY = True
CSRF_COOKIE_SAMESITE = "Lax"
# the site's one switch (also read by the api): false only for plain-http setups (local demo)
MORTAR_HTTPS = env.bool("MORTAR_HTTPS", default=not DEBUG)
CSRF_COOKIE_SECURE = MORTAR_HTTPS
SECURE_SSL_REDIRECT = MORTAR_HTTPS  # nginx sets X-Forwarded-Proto; probes hit /health/ plainly
SECURE_REDIRECT_EXEMPT = [r"^health/$"]
SECURE_HSTS_SECONDS = env.int("DJANGO_HSTS_SECONDS", default=31_536_000 if MORTAR_HTTPS else 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("DJANGO_HSTS_INCLUDE_SUBDOMAINS", default=True)
SECURE_HSTS_PRELOAD = env.bool("DJANGO_HSTS_PRELOAD", default=True)
CSRF_FAILURE_VIEW = "mortar_web.views.errors.csrf_failure"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "strict-origin-when-cross-origin"
X_FRAME_OPTIONS = "DENY"
APPEND_SLASH = True
USE_I18N = False  # languages come from the api (content), not Django's catalogues
USE_TZ = True
TIME_ZONE = "UTC"
DEFAULT_CHARSET = "utf-8"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env.str("DJANGO_LOG_LEVEL", default="INFO")},
    "loggers": {"django.request": {"level": "ERROR"}},
}

# Error reports: sentry-sdk when SENTRY_DSN is set (mortar_contract.errortracking). web has no
# database, so its events carry the tenant's host, not its schema.
SENTRY_ENABLED = init_sentry("web")
