"""One environment-driven settings module.

Everything is configured here; what differs between the demo, CI and production comes from
environment variables (see `.env.example`). The defaults give the embedded demo: SQLite and
kombu's filesystem broker, so `make run` needs no services.
"""

from __future__ import annotations

import os
from pathlib import Path

import environ
from celery.schedules import crontab
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = BASE_DIR / "var"

env = environ.Env()
# Real environment variables win over the file (overwrite=False is django-environ's default).
environ.Env.read_env(BASE_DIR / ".env")

# https://docs.djangoproject.com/en/5.2/ref/settings/#debug
DEBUG = env.bool("DJANGO_DEBUG", default=False)


def _local_secret_key(path: Path) -> str:
    """A random key kept in `path`, made on first use, for an installation without
    DJANGO_SECRET_KEY: never a key written in this file (anything here is public). Every process
    on this machine reads the same file; several machines need DJANGO_SECRET_KEY."""
    try:
        return path.read_text().strip()
    except FileNotFoundError:
        pass
    import secrets
    import tempfile

    path.parent.mkdir(parents=True, exist_ok=True)
    # Written aside and linked into place: a process starting at the same moment either finds
    # the whole key or loses the race and reads the winner's.
    with tempfile.NamedTemporaryFile("w", dir=path.parent, delete=False) as draft:
        draft.write(secrets.token_urlsafe(50))
    try:
        os.link(draft.name, path)
    except FileExistsError:
        pass
    finally:
        os.unlink(draft.name)
    return path.read_text().strip()


# https://docs.djangoproject.com/en/5.2/ref/settings/#secret-key
SECRET_KEY = env("DJANGO_SECRET_KEY", default="") or _local_secret_key(VAR_DIR / "secret_key")
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]"])
CSRF_TRUSTED_ORIGINS = env.list("DJANGO_CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_fsm",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    # Our apps, lowest layer first (DESIGN.md section 3).
    "integrations",
    "integrations.sandbox",
    "accounts",
    "contacts",
    "catalog",
    "automation",
    "deals",
    "orders",
    "fulfillment",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    # 429 past settings.RATELIMITS, before any work is done for the request.
    "accounts.ratelimit.RateLimitMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Last, so that it sees a view's database error first: 503 with Retry-After, not 500.
    "orders_office.middleware.DatabaseUnavailableMiddleware",
]

ROOT_URLCONF = "orders_office.urls"
WSGI_APPLICATION = "orders_office.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

# https://docs.djangoproject.com/en/5.2/ref/settings/#databases
DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'db.sqlite3'}")}
# Every request is one transaction: a failed view never half-writes.
DATABASES["default"]["ATOMIC_REQUESTS"] = True
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # The demo runs web, worker and beat on one SQLite file: WAL lets readers go on while one
    # process writes, IMMEDIATE takes the write lock up front instead of failing mid-transaction,
    # and the timeout makes a writer wait rather than raise "database is locked".
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
        }
    )
    # The covering indexes of the lists and the funnel (INCLUDE columns) are a PostgreSQL
    # speed-up; SQLite builds them without those columns, which is all the demo needs.
    SILENCED_SYSTEM_CHECKS = ["models.W040"]
else:
    DATABASES["default"].setdefault("CONN_MAX_AGE", env.int("DJANGO_CONN_MAX_AGE", default=60))
    DATABASES["default"].setdefault("CONN_HEALTH_CHECKS", True)
    # PostgreSQL compiles a query to machine code when its estimated cost is high: the counts
    # and aggregates of the lists, the dashboard and the funnel over a million orders. Compiling
    # took 200–500 ms, more than running those queries (docs/performance.md, «Pages at 1M
    # orders»); pages never run long enough to win it back.
    DATABASES["default"].setdefault("OPTIONS", {}).setdefault("options", "-c jit=off")

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "accounts.User"

CACHES = {"default": env.cache("CACHE_URL", default="locmemcache://")}
if CACHES["default"]["BACKEND"] == "django.core.cache.backends.redis.RedisCache":
    # A Redis that is down or unreachable fails a cache call at once instead of hanging the
    # request; the callers fall back (rate limits let the request through, the automation
    # settings are read from the database).
    CACHES["default"].setdefault("OPTIONS", {}).update(
        {"socket_connect_timeout": 1, "socket_timeout": 1}
    )

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "admin:login"

# https://docs.djangoproject.com/en/5.2/topics/i18n/
LANGUAGE_CODE = "ru"
LANGUAGES = [("ru", _("Russian")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Europe/Moscow"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "static"
STATICFILES_DIRS = [BASE_DIR / "orders_office" / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if not DEBUG
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}

# Production hardening, switched on by environment (docker-compose sets them).
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SESSION_COOKIE_SECURE = env.bool("DJANGO_SECURE_COOKIES", default=False)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SECURE_SSL_REDIRECT = env.bool("DJANGO_SECURE_SSL_REDIRECT", default=False)
SECURE_HSTS_SECONDS = env.int("DJANGO_SECURE_HSTS_SECONDS", default=0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = SECURE_HSTS_SECONDS > 0
SECURE_HSTS_PRELOAD = SECURE_HSTS_SECONDS > 0

# The reverse proxies in front of the site (addresses or networks, comma-separated): only a
# request that comes from one of them has its X-Forwarded-For read for the client's address (rate
# limits, the login lockout). Empty (default): the header is never trusted.
TRUSTED_PROXIES = env.list("DJANGO_TRUSTED_PROXIES", default=[])

# Requests per client address on the public endpoints (accounts.ratelimit), as "<count>/<period>"
# with s, m, h or d ("12000/m", "50/10s"); "off" switches one off. Counted in the cache: per
# process with the default locmem cache, shared by every process with Redis (CACHE_URL).
# Generous: a store's website posts all its orders from one address.
RATELIMITS = {
    "/api/": env("RATELIMIT_API", default="12000/m"),
    "/webhooks/": env("RATELIMIT_WEBHOOKS", default="3000/m"),
    "/1c/": env("RATELIMIT_ONEC", default="600/m"),
}
# Failed admin logins (accounts.lockout): per user name and address, and per address whatever
# the name; past either, logging in is refused until the period ends.
LOGIN_FAILURES_PER_USER = env("LOGIN_FAILURES_PER_USER", default="5/15m")
LOGIN_FAILURES_PER_ADDRESS = env("LOGIN_FAILURES_PER_ADDRESS", default="50/15m")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    # Phones, e-mails and our secrets are masked in whatever reaches the log, including a
    # provider's error text and Django's own lines (a Telegram webhook path holds its secret).
    "filters": {"redact": {"()": "integrations.redaction.RedactFilter"}},
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": "plain",
            "filters": ["redact"],
        }
    },
    "root": {"handlers": ["console"], "level": env("DJANGO_LOG_LEVEL", default="INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}

# --- Celery ---------------------------------------------------------------------------------
# https://docs.celeryq.dev/en/stable/userguide/configuration.html
CELERY_BROKER_URL = env("CELERY_BROKER_URL", default="filesystem://")
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
# State lives in the database; there is no result backend to run.
CELERY_TASK_IGNORE_RESULT = True
# Every task is idempotent, so a task lost with its worker may safely run again: acknowledged
# only once done, and put back in the queue when its worker process is killed (the OOM killer,
# a SIGKILL) rather than recorded as failed.
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_TIME_LIMIT = 120
CELERY_TASK_SOFT_TIME_LIMIT = 90
CELERY_TIMEZONE = TIME_ZONE
CELERY_WORKER_HIJACK_ROOT_LOGGER = False
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
if CELERY_BROKER_URL.startswith("filesystem://"):
    # kombu's embedded broker: one folder on this machine, demo only (not crash-safe).
    _queue_dir = Path(env("CELERY_FILESYSTEM_DIR", default=str(VAR_DIR / "celery")))
    for _sub in ("data", "processed", "control"):
        (_queue_dir / _sub).mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_queue_dir / "data"),
        "data_folder_out": str(_queue_dir / "data"),
        "processed_folder": str(_queue_dir / "processed"),
        "control_folder": str(_queue_dir / "control"),
        "store_processed": False,
    }
else:
    # Redis re-delivers unacked messages after this (those of a worker killed as a whole);
    # keep it above the longest retry backoff and countdown (10 minutes).
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "visibility_timeout": env.int("CELERY_VISIBILITY_TIMEOUT", default=3600),
        # An unreachable Redis fails a publish in seconds instead of hanging the request
        # (the publish is then kept and sent again: orders_office.task_base).
        "socket_connect_timeout": 3,
        "socket_timeout": 10,
    }

# Static schedule: cadence is code; business limits live in models editable in admin.
# Minute-level entries expire so that a stalled worker does not pile them up.
CELERY_BEAT_SCHEDULE = {
    # https://crontab.guru/every-minute: overdue marks, warnings, reminders, due trigger actions.
    "automation-sweep": {
        "task": "automation.tasks.sweep_task",
        "schedule": 60.0,
        "options": {"expires": 50},
    },
    "automation-heartbeat": {
        "task": "automation.tasks.record_heartbeat_task",
        "schedule": 60.0,
        "options": {"expires": 50},
    },
    # Queued deals to managers who have become available (start of shift, back from lunch).
    "deals-distribute-queue": {
        "task": "deals.tasks.distribute_queue_task",
        "schedule": 60.0,
        "options": {"expires": 50},
    },
    # Payments a lost task or notification left half-done: create, re-check, expire, refund.
    # Statuses of CDEK shipments the webhook may have missed, within the request rate.
    "fulfillment-poll-cdek": {
        "task": "fulfillment.tasks.poll_cdek_shipments_task",
        "schedule": 60.0,
        "options": {"expires": 50},
    },
    # Events for the stores' websites: retries whose time has come, events whose task was lost.
    "orders-store-events": {
        "task": "orders.tasks.enqueue_due_store_events_task",
        "schedule": 60.0,
        "options": {"expires": 50},
    },
    # Tasks the broker refused while it was down (orders_office.task_base), sent again.
    "automation-resend-unsent-tasks": {
        "task": "automation.tasks.resend_unsent_tasks_task",
        "schedule": 60.0,
        "options": {"expires": 50},
    },
    "orders-reconcile-payments": {
        "task": "orders.tasks.reconcile_payments_task",
        "schedule": 300.0,
        "options": {"expires": 240},
    },
    # https://crontab.guru/#0_3_*_*_*: customers' figures and segments (active → lapsed).
    "orders-customer-stats": {
        "task": "orders.tasks.refresh_customer_stats_task",
        "schedule": crontab(hour=3, minute=0),
        "options": {"expires": 3 * 3600},
    },
}

# --- External systems -----------------------------------------------------------------------
# Fake providers under /sandbox/ (integrations.sandbox) so that the demo sends real HTTP
# requests to this very server. Never on in production.
SANDBOX_ENABLED = env.bool("SANDBOX_ENABLED", default=False)


def _sandbox_default(value: str) -> str:
    """A credential's default: the sandbox's (public: it is in this file) with the sandbox on,
    else empty. An empty key or secret refuses what it verifies and fails what it signs, so an
    installation that forgot one never runs on a value anybody can read here."""
    return value if SANDBOX_ENABLED else ""


# Where outbound calls go. Unset, they go to our own sandbox, so nothing leaves the machine.
SITE_URL = env("SITE_URL", default="http://127.0.0.1:8000")
_SANDBOX = f"{SITE_URL}/sandbox"
SMSRU_API_URL = env("SMSRU_API_URL", default=f"{_SANDBOX}/smsru")
SMSRU_API_ID = env("SMSRU_API_ID", default=_sandbox_default("sandbox-api-id"))
SMSRU_SENDER = env("SMSRU_SENDER", default="")
TELEGRAM_API_URL = env("TELEGRAM_API_URL", default=f"{_SANDBOX}/telegram")
TELEGRAM_BOT_TOKEN = env("TELEGRAM_BOT_TOKEN", default=_sandbox_default("sandbox-bot-token"))
WHATSAPP_API_URL = env("WHATSAPP_API_URL", default=f"{_SANDBOX}/whatsapp")
WHATSAPP_ACCESS_TOKEN = env("WHATSAPP_ACCESS_TOKEN", default=_sandbox_default("sandbox-token"))
WHATSAPP_PHONE_NUMBER_ID = env("WHATSAPP_PHONE_NUMBER_ID", default="100000000000001")
VK_API_URL = env("VK_API_URL", default=f"{_SANDBOX}/vk/method")
VK_ACCESS_TOKEN = env("VK_ACCESS_TOKEN", default=_sandbox_default("sandbox-token"))
VIBER_API_URL = env("VIBER_API_URL", default=f"{_SANDBOX}/viber/pa")
VIBER_AUTH_TOKEN = env("VIBER_AUTH_TOKEN", default=_sandbox_default("sandbox-token"))
VIBER_SENDER_NAME = env("VIBER_SENDER_NAME", default="Orders Office")
# Messenger inbox (docs/messengers.md): what verifies the webhooks the messengers call. The
# sandbox has defaults of its own (they are in this file, so they are public); without the
# sandbox an unset secret is empty, and an empty secret refuses every call.
TELEGRAM_WEBHOOK_SECRET = env(
    "TELEGRAM_WEBHOOK_SECRET", default=_sandbox_default("sandbox-telegram-secret")
)
WHATSAPP_APP_SECRET = env("WHATSAPP_APP_SECRET", default=_sandbox_default("sandbox-app-secret"))
WHATSAPP_VERIFY_TOKEN = env(
    "WHATSAPP_VERIFY_TOKEN", default=_sandbox_default("sandbox-verify-token")
)
VK_CALLBACK_SECRET = env("VK_CALLBACK_SECRET", default=_sandbox_default("sandbox-vk-secret"))
VK_CONFIRMATION_CODE = env("VK_CONFIRMATION_CODE", default=_sandbox_default("sandbox-confirmation"))
# The community whose confirmation request we answer; empty: any.
VK_GROUP_ID = env("VK_GROUP_ID", default="")
# The store of the deals opened by incoming messages; empty: the first active store.
INBOX_STORE_CODE = env("INBOX_STORE_CODE", default="")
# YooKassa (payments): Basic auth shop id / secret key; the buyer returns to RETURN_URL.
YOOKASSA_API_URL = env("YOOKASSA_API_URL", default=f"{_SANDBOX}/yookassa/v3")
YOOKASSA_SHOP_ID = env("YOOKASSA_SHOP_ID", default=_sandbox_default("sandbox-shop"))
YOOKASSA_SECRET_KEY = env("YOOKASSA_SECRET_KEY", default=_sandbox_default("test_sandbox-secret"))
YOOKASSA_RETURN_URL = env("YOOKASSA_RETURN_URL", default=f"{SITE_URL}/")
# CDEK API v2 (external-apis.md, section 1): OAuth client_credentials. With the sandbox on, the
# defaults are CDEK's public test account (the sandbox accepts it, as does api.edu.cdek.ru);
# production needs the shop's own pair.
CDEK_API_URL = env("CDEK_API_URL", default=f"{_SANDBOX}/cdek/v2")
CDEK_CLIENT_ID = env("CDEK_CLIENT_ID", default=_sandbox_default("wqGwiQx0gg8mLtiEKsUinjVSICCjtTEP"))
CDEK_CLIENT_SECRET = env(
    "CDEK_CLIENT_SECRET", default=_sandbox_default("RmAmgvSgSl1yirlz9QupbzOJVqhCxcP5")
)
# Tariffs of a shipment to a pickup point and to the door; both start at our CDEK office
# (136 «Посылка склад-склад», 137 «Посылка склад-дверь»).
CDEK_TARIFF_PICKUP_POINT = env.int("CDEK_TARIFF_PICKUP_POINT", default=136)
CDEK_TARIFF_DOOR = env.int("CDEK_TARIFF_DOOR", default=137)
# CDEK publishes no rate limit: how many requests per second the status poller may send, and
# whether the limit is shared by every process through CACHE_URL (Redis) or kept per process.
CDEK_POLL_RATE_PER_SECOND = env.float("CDEK_POLL_RATE_PER_SECOND", default=20.0)
CDEK_POLL_RATE_SHARED = env.bool("CDEK_POLL_RATE_SHARED", default=False)
# How many tracked shipments one poll tick (every minute) asks CDEK about.
CDEK_POLL_BATCH = env.int("CDEK_POLL_BATCH", default=500)
# Our CDEK office where parcels are handed over (shipment_point of every order).
CDEK_SHIPMENT_POINT = env("CDEK_SHIPMENT_POINT", default="MSK1")
# Seconds between two steps of a sandbox CDEK order along its journey (demo: a few minutes).
SANDBOX_CDEK_STEP_SECONDS = env.float("SANDBOX_CDEK_STEP_SECONDS", default=25.0)
# Accept notifications only from YooKassa's published addresses (behind a proxy that sets
# X-Forwarded-For correctly). Off by default: the payment is re-fetched from the API anyway.
YOOKASSA_CHECK_IP = env.bool("YOOKASSA_CHECK_IP", default=False)
# Connect and read timeouts of every outbound call, seconds.
INTEGRATIONS_TIMEOUT = (3.05, 10)

if SANDBOX_ENABLED:
    # Fake CDEK orders move along their journey and push their webhooks (integrations.sandbox).
    CELERY_BEAT_SCHEDULE["sandbox-cdek-advance"] = {
        "task": "integrations.sandbox.tasks.cdek_advance_task",
        "schedule": 10.0,
        "options": {"expires": 8},
    }

# --- Store API (docs/api.md) ----------------------------------------------------------------
# Bodies above this answer 413 before they are read.
API_MAX_BODY_BYTES = env.int("API_MAX_BODY_BYTES", default=1024 * 1024)
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "UNAUTHENTICATED_USER": None,
    "COERCE_DECIMAL_TO_STRING": True,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Orders Office store API",
    "DESCRIPTION": (
        "Websites send their orders and read their state. Every request carries X-Store-Code "
        "and X-Signature: sha256=<hex HMAC-SHA256 of the raw body with the store's API secret>."
    ),
    "VERSION": "1.0.0",
    "OAS_VERSION": "3.1.0",
    "SERVE_INCLUDE_SCHEMA": False,
    # Swagger UI from our own static files: no CDN at the customer's site.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
}

# --- Business settings ----------------------------------------------------------------------
# Distance selling: the buyer may refuse goods within 7 days of receipt (Consumer Rights
# Protection Law, art. 26.1); stores that promise more raise it here.
ORDER_RETURN_PERIOD_DAYS = env.int("ORDER_RETURN_PERIOD_DAYS", default=7)
# Customer segments (docs/segments.md): a customer whose last issued order is older than this
# is «ушедший».
CUSTOMER_ACTIVE_DAYS = env.int("CUSTOMER_ACTIVE_DAYS", default=180)
# How long the warehouse has to assemble an order once it starts: minutes of the store's
# working time (its hours and the production calendar). 0: assembly documents have no due time.
ASSEMBLY_DUE_WORKING_MINUTES = env.int("ASSEMBLY_DUE_WORKING_MINUTES", default=120)
# --- 1C exchange (CommerceML 2 «обмен с сайтом», docs/onec-exchange.md) ------------------------
# 1C logs in to /1c/exchange with these (HTTP Basic); either empty: the exchange is disabled.
ONEC_EXCHANGE_USER = env("ONEC_EXCHANGE_USER", default="")
ONEC_EXCHANGE_PASSWORD = env("ONEC_EXCHANGE_PASSWORD", default="")
# Where the uploaded files are kept, one folder per exchange session.
ONEC_EXCHANGE_DIR = env.path("ONEC_EXCHANGE_DIR", default=VAR_DIR / "onec")
# Bytes per uploaded piece (1C splits larger files); announced in the answer to mode=init.
ONEC_FILE_LIMIT = env.int("ONEC_FILE_LIMIT", default=5 * 1024 * 1024)
# Price type (its name or its 1C id) that sets Product.price; empty: «Розничная», else the first.
ONEC_PRICE_TYPE = env("ONEC_PRICE_TYPE", default="")
# Encoding of the orders XML given to 1C and of the text answers: windows-1251 like 1C-Bitrix,
# or utf-8.
ONEC_EXCHANGE_ENCODING = env("ONEC_EXCHANGE_ENCODING", default="windows-1251")

# Region used to read phone numbers written without a country code ("8 999 …").
PHONE_DEFAULT_REGION = env("PHONE_DEFAULT_REGION", default="RU")
