"""IWP Casework settings, read from the environment (django-environ).

The embedded default is a SQLite file and Celery tasks run eagerly in-process, so a laptop demo needs neither
PostgreSQL nor Redis; with DEBUG off it also needs a signing key, or the demo's explicit opt-in to the built-in
one (IWP_DEMO_INSECURE_KEY=true, scripts/demo.sh). Production (docker-compose) sets DATABASE_URL, REDIS_URL,
DJANGO_SECRET_KEY, DJANGO_DEBUG=false and DJANGO_ALLOWED_HOSTS.
"""

from pathlib import Path

import environ
from celery.schedules import crontab
from csp.constants import NONCE, NONE, SELF
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()

DEBUG = env.bool("DJANGO_DEBUG", default=False)

# --- Hardening (issue #15): the signing key --------------------------------------------------------------------
# With DEBUG off the app refuses to start without a real DJANGO_SECRET_KEY: a key anyone can read (the one in this
# file, the placeholder in .env.example) would let anyone forge a signed-in session. The one exception is `make
# demo` (scripts/demo.sh), which runs with DEBUG off on purpose, to look like the service, on the laptop's SQLite
# file, and says so with IWP_DEMO_INSECURE_KEY=true; the opt-in is refused on any other database. With DEBUG on
# (a developer's laptop) the embedded key is used as before.
INSECURE_DEMO_KEY = "django-insecure-embedded-default-do-not-use-in-production"
PUBLISHED_KEYS = {"change-me-to-a-long-random-string"}  # .env.example's placeholder
SECRET_KEY = env.str("DJANGO_SECRET_KEY", default="")
if not DEBUG and (SECRET_KEY in PUBLISHED_KEYS or SECRET_KEY.startswith("django-insecure")):
    raise ImproperlyConfigured(
        "DJANGO_SECRET_KEY is a published placeholder: set it to a long random value, e.g. "
        'python -c "import secrets; print(secrets.token_urlsafe(50))"'
    )
if not SECRET_KEY:
    _demo_opt_in = env.bool("IWP_DEMO_INSECURE_KEY", default=False)
    _on_sqlite = env.str("DATABASE_URL", default="sqlite:").startswith("sqlite:")
    if DEBUG or (_demo_opt_in and _on_sqlite):
        SECRET_KEY = INSECURE_DEMO_KEY
    else:
        raise ImproperlyConfigured(
            "DJANGO_SECRET_KEY is not set and DEBUG is off: set DJANGO_SECRET_KEY to a long random value, e.g. "
            'python -c "import secrets; print(secrets.token_urlsafe(50))". '
            + (
                "(IWP_DEMO_INSECURE_KEY=true is for the laptop demo on SQLite only.)"
                if _demo_opt_in
                else "(The laptop demo, `make demo`, opts in with IWP_DEMO_INSECURE_KEY=true.)"
            )
        )
# --- end of the signing key -------------------------------------------------------------------------------------

ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "testserver"])
CSRF_TRUSTED_ORIGINS = env.list("DJANGO_CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.humanize",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",  # Swagger UI's files, served by us (no CDN: the CSP allows only our own)
    "crispy_forms",
    "crispy_forms_gds",
    "axes",
    "csp",
    "iwp",
    "claimants",
    "appointments",
    "provision",
    "iwp.dashboards",  # the top floor: reads every app (DESIGN §1)
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # Hardening (issue #15): Permissions-Policy on every response, Cache-Control: no-store on every response to a
    # signed-in member of staff; then the idle and absolute session time-outs (before the login check, so a timed-out
    # session is sent to sign in like any other).
    "iwp.middleware.SecurityHeadersMiddleware",
    "iwp.middleware.SessionTimeoutMiddleware",
    # Every page requires login unless a view opts out with @login_not_required (Django 5.1+).
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    # Axes must be last: it turns a locked-out login into its lockout response.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "iwp.urls"
WSGI_APPLICATION = "iwp.wsgi.application"

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
                "iwp.context_processors.service",
            ],
        },
    },
]

DATABASES = {
    "default": env.db_url("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
}
# Services wrap their own multi-step writes in transaction.atomic (DESIGN §2); requests are not atomic
# as a whole so that a view can read after a service commits.
DATABASES["default"]["ATOMIC_REQUESTS"] = False
# A connection per gunicorn thread kept for a minute: opening one per request (a PostgreSQL backend fork, its
# authentication and Django's session set-up) cost more than most pages' queries under load. The health check
# at the start of each request replaces a connection that a database restart has broken, so recovery needs no
# restart of the app (the PostgreSQL fault drill proves it).
DATABASES["default"]["CONN_MAX_AGE"] = env.int("DJANGO_CONN_MAX_AGE", default=60)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
# Parameters bound by the server and statements prepared on their second use: PostgreSQL was spending three
# quarters of its time planning the same small queries again (pg_stat_statements over the load test: 1.5 of
# 1.9 ms per page), and psycopg binds less in Python. Django turns preparing off by default for connection
# poolers such as PgBouncer in transaction mode; we connect directly. Deploys restart the app, so a migration
# never meets a statement prepared against the old schema. DJANGO_DB_PREPARED=false turns it off.
if DATABASES["default"]["ENGINE"].endswith("postgresql") and env.bool("DJANGO_DB_PREPARED", default=True):
    DATABASES["default"].setdefault("OPTIONS", {}).update(server_side_binding=True, prepare_threshold=2)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "iwp.StaffMember"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "iwp.access.StaffBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 12}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

# Failed-login lockout: five wrong passwords for one username from one address lock it for 30 minutes.
# (Not by address alone: a whole Jobcentre sits behind one address and must not lock each other out.)
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = 0.5  # hours
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_RESET_ON_SUCCESS = True

LANGUAGE_CODE = "en-gb"
TIME_ZONE = "Europe/London"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    # Hashed file names so browsers can cache static files forever; WhiteNoise serves them.
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if env.bool("IWP_PLAIN_STATIC", default=DEBUG)
            else "iwp.storage.StaticFilesStorage"
        )
    },
}
# WhiteNoise finds files without collectstatic when running the dev server or tests; `make demo` collects them
# first and turns this off, so it serves exactly the hashed files, as production does.
WHITENOISE_USE_FINDERS = env.bool("IWP_STATIC_FINDERS", default=True)
WHITENOISE_AUTOREFRESH = DEBUG

CRISPY_ALLOWED_TEMPLATE_PACKS = ["gds"]
CRISPY_TEMPLATE_PACK = "gds"

# Content Security Policy: scripts only from us and only with the per-request nonce.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF, NONCE],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    },
}

# Secure defaults; relaxed only when DEBUG is on (the laptop demo runs over plain http).
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = not DEBUG and env.bool("DJANGO_SECURE_COOKIES", default=True)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SESSION_COOKIE_AGE = 60 * 60 * 9  # one working day
SECURE_SSL_REDIRECT = env.bool("DJANGO_SECURE_SSL_REDIRECT", default=False)

# --- Hardening (issue #15): proxy, sessions, headers ------------------------------------------------------------
# X-Forwarded-Proto is believed only behind a TLS-terminating proxy that sets it (and strips what clients send):
# DJANGO_TRUST_X_FORWARDED_PROTO=true. Trusted from any client, it let a plain-http request pass as https.
if env.bool("DJANGO_TRUST_X_FORWARDED_PROTO", default=False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
# Signed out after this many minutes without a request (the sign-in page says why), as well as SESSION_COOKIE_AGE
# after signing in however active (iwp.middleware.SessionTimeoutMiddleware).
IWP_IDLE_TIMEOUT_MINUTES = env.int("IWP_IDLE_TIMEOUT_MINUTES", default=30)
if IWP_IDLE_TIMEOUT_MINUTES < 1:
    raise ImproperlyConfigured("IWP_IDLE_TIMEOUT_MINUTES must be a whole number of minutes, 1 or more")
# Features no page of ours uses, switched off for this origin and anything it might embed (Permissions-Policy).
# Retention (issue #15; claimants.retention, /work/notes/retention.md): a claimant whose claim closed this many
# whole years ago or more is anonymised by the nightly job. Six years unless the data controller says otherwise.
IWP_RETENTION_YEARS = env.int("IWP_RETENTION_YEARS", default=6)
if IWP_RETENTION_YEARS < 1:
    raise ImproperlyConfigured("IWP_RETENTION_YEARS must be a whole number of years, 1 or more")

IWP_PERMISSIONS_POLICY = {
    "accelerometer": "()",
    "autoplay": "()",
    "camera": "()",
    "display-capture": "()",
    "encrypted-media": "()",
    "fullscreen": "()",
    "geolocation": "()",
    "gyroscope": "()",
    "magnetometer": "()",
    "microphone": "()",
    "midi": "()",
    "payment": "()",
    "picture-in-picture": "()",
    "publickey-credentials-get": "()",
    "screen-wake-lock": "()",
    "serial": "()",
    "usb": "()",
    "xr-spatial-tracking": "()",
}
# --- end of proxy, sessions, headers ----------------------------------------------------------------------------
SECURE_HSTS_SECONDS = env.int("DJANGO_HSTS_SECONDS", default=0 if DEBUG else 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

REST_FRAMEWORK = {
    # Tokens first: a request with no credentials is then a 401 with ``WWW-Authenticate: Bearer``, not a 403.
    # Browser sessions work too (the docs page), with CSRF enforced on writes.
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "iwp.api_request.ApiTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    # Closed by default: every endpoint needs a logged-in member of staff.
    "DEFAULT_PERMISSION_CLASSES": ["iwp.access.IsStaffMember"],
    "DEFAULT_SCHEMA_CLASS": "iwp.api_schema.ApiAutoSchema",
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["iwp.api_request.BoundedJSONParser"],
    "DEFAULT_PAGINATION_CLASS": "iwp.api_request.ApiPagination",
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_THROTTLE_CLASSES": ["iwp.api_request.TokenRateThrottle"],
    "EXCEPTION_HANDLER": "iwp.api.exception_handler",
}
# Calls a token may make (DRF's rate syntax: n/second, n/minute, n/hour, n/day); sessions are not throttled.
IWP_API_TOKEN_RATE = env.str("IWP_API_TOKEN_RATE", default="120/minute")
# The largest JSON body the API reads (a bulk reassignment of 200 claimants is about 2 KB): larger is a 413.
IWP_API_MAX_BODY_BYTES = env.int("IWP_API_MAX_BODY_BYTES", default=100 * 1024)
# The earnings feed takes a month's RTI file, so its own, larger limit.
IWP_EARNINGS_FEED_MAX_BYTES = env.int("IWP_EARNINGS_FEED_MAX_BYTES", default=50 * 1024 * 1024)
# Where the Open Referral UK feed is published (/openreferral/…): the export command writes service URLs from
# it. The API answers with its own address instead.
OPENREFERRAL_BASE_URL = env.str("OPENREFERRAL_BASE_URL", default="http://localhost:8000")
SPECTACULAR_SETTINGS = {
    "TITLE": "IWP Casework API",
    "VERSION": "1.0.0",
    "DESCRIPTION": (
        "The casework service over REST, for other DWP systems and for teams building their own reports. "
        "Every call acts as one member of staff and sees what they would see on the pages.\n\n"
        "**Authentication**: `Authorization: Bearer <token>` (a token from `manage.py api_token issue "
        "<username>`); a browser signed in to the service may call it too (CSRF token needed for writes).\n\n"
        '**Errors** all have one body: `{"detail": "…", "code": "…", "errors": {"field": '
        '["message"]}}`.\n\n'
        "**Lists** are paginated (`?page=`, `?page_size=` up to 200) and filtered by the parameters each lists.\n\n"
        "**Limits** (by default; see the README): JSON bodies up to 100 KiB (413 beyond); each token may make 120 "
        "calls a minute (429 with `Retry-After` beyond)."
    ),
    "SERVE_INCLUDE_SCHEMA": False,
    "SERVE_PERMISSIONS": ["iwp.access.IsStaffMember"],
    "SCHEMA_PATH_PREFIX": "/api/v1",
    "PREPROCESSING_HOOKS": ["iwp.api_schema.only_this_api"],
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "iwp.api_schema.ids_in_paths_are_whole_numbers",
    ],
    # One name per set of choices, whatever the field is called.
    "ENUM_NAME_OVERRIDES": {
        "RegimeEnum": "claimants.models.RegimeChoices",
        "BarrierKindEnum": "claimants.models.BarrierKind",
        "AbsenceKindEnum": "iwp.models.AbsenceKind",
        "ActionCategoryEnum": "appointments.models.ActionCategory",
        "OfferCategoryEnum": "provision.models.Category",
        "AppointmentStatusEnum": "appointments.models.AppointmentStatus",
        "ActionStatusEnum": "appointments.models.ActionStatus",
        "OfferStatusEnum": "provision.models.OfferStatus",
        "ReferralStatusEnum": "provision.models.ReferralStatus",
        "CommitmentStatusEnum": "claimants.models.CommitmentStatus",
        "JobStateEnum": "iwp.models.BackgroundJobState",
    },
    # Separate request and response components: read-only fields never appear in a request body.
    "COMPONENT_SPLIT_REQUEST": True,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "SWAGGER_UI_SETTINGS": {"deepLinking": True, "persistAuthorization": False},
}

# Celery: a real broker when REDIS_URL is set; otherwise tasks run eagerly in-process (embedded default).
REDIS_URL = env.str("REDIS_URL", default="")
CELERY_BROKER_URL = REDIS_URL or "memory://"
CELERY_RESULT_BACKEND = REDIS_URL or None
CELERY_TASK_ALWAYS_EAGER = not REDIS_URL
# Without a broker, long work (an uprating) runs in a thread after the commit instead of inside the request, so the
# page returns and shows its progress bar (iwp.background.outbox.send_on_commit(background=True)).
IWP_BACKGROUND_THREADS = env.bool("IWP_BACKGROUND_THREADS", default=True)
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_ACKS_LATE = True  # a task a dead worker was running is delivered again (resumable jobs)
CELERY_TASK_REJECT_ON_WORKER_LOST = True
# Lost the broker mid-task: stop the acks-late tasks it was running (they cannot be acknowledged) so they are
# delivered again once Redis is back — Celery 6's default, chosen now.
CELERY_WORKER_CANCEL_LONG_RUNNING_TASKS_ON_CONNECTION_LOSS = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# The queue work is sent to and a worker reads (a deployment, or the fault drills, may keep their own).
CELERY_TASK_DEFAULT_QUEUE = env.str("IWP_TASK_QUEUE", default="celery")
# Bounded broker waits (issue #14): a page never waits long on a dead Redis; the outbox keeps what was not sent.
# The visibility timeout is the longest chunk (a few seconds at 25,000 claimants a chunk) with a wide margin:
# a chunk whose worker died is delivered again after 10 minutes, not after Redis's default hour.
CELERY_BROKER_CONNECTION_TIMEOUT = 2
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
_VISIBILITY_TIMEOUT = env.int("IWP_VISIBILITY_TIMEOUT", default=600)
# kombu looks for messages to redeliver every 10 × this many seconds.
_UNACKED_RESTORE_INTERVAL = env.float("IWP_UNACKED_RESTORE_INTERVAL", default=10.0)
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": _VISIBILITY_TIMEOUT,
    "unacked_restore_interval": _UNACKED_RESTORE_INTERVAL,
    "socket_connect_timeout": 2,
    "socket_timeout": 10,
    # Connecting to publish: one quick retry, not kombu's 2-second wait (measured: 2 s → 60 ms with Redis down).
    "max_retries": 1,
    "interval_start": 0,
    "interval_step": 0.1,
    "interval_max": 0.1,
}
# Redelivery does not cover a worker killed between Redis handing it a message (BRPOP) and kombu recording it as
# unacknowledged: that message is gone (kombu#305). A resumable job with no progress for longer than redelivery
# takes (visibility timeout + one restore sweep + the longest chunk: about 13 minutes by default) has lost a part
# for good, and the stall check (every minute) sends its parts not done again (iwp.background.jobs.jobs_heal).
IWP_JOB_RESUME_AFTER_SECONDS = env.int(
    "IWP_JOB_RESUME_AFTER_SECONDS", default=int(_VISIBILITY_TIMEOUT + 10 * _UNACKED_RESTORE_INTERVAL + 60)
)
CELERY_REDIS_SOCKET_CONNECT_TIMEOUT = 2
CELERY_REDIS_SOCKET_TIMEOUT = 10
CELERY_TASK_PUBLISH_RETRY_POLICY = {
    "max_retries": 1,
    "interval_start": 0,
    "interval_step": 0.2,
    "interval_max": 0.2,
}
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TIMEZONE = TIME_ZONE
CELERY_BEAT_SCHEDULE: dict[str, dict] = {
    "iwp-offer-nightly": {"task": "claimants.iwp_offer_sweep", "schedule": crontab(hour=2, minute=0)},
    "background-jobs-housekeeping": {
        "task": "iwp.background_jobs_mark_stalled",
        # Every minute: a lost part is sent again soon after the resume horizon, not up to 15 minutes later.
        "schedule": crontab(minute="*"),
    },
    "appointment-reminders": {"task": "appointments.send_reminders", "schedule": crontab(minute="*/15")},
    "provision-stale-daily": {"task": "provision.flag_stale_offers", "schedule": crontab(hour=5, minute=30)},
    "provision-limbo-daily": {
        "task": "provision.flag_limbo_referrals",
        "schedule": crontab(hour=5, minute=45),
    },
    "dashboard-coach-figures": {"task": "iwp.refresh_coach_figures", "schedule": crontab(minute="*/10")},
    # The outbox relay and the reconciliation behind it (issue #14; README "Durable hand-off").
    "relay-task-intents": {"task": "iwp.relay_task_intents", "schedule": crontab(minute="*")},
    "reconcile-regimes-hourly": {"task": "claimants.reconcile_regimes", "schedule": crontab(minute=20)},
    "forget-sent-task-intents": {
        "task": "iwp.forget_sent_task_intents",
        "schedule": crontab(hour=4, minute=10),
    },
    # Flexible Support Fund outcomes six months on, before the nightly summary and the figures that count them.
    "support-fund-outcomes-nightly": {
        "task": "claimants.support_fund_outcomes",
        "schedule": crontab(hour=3, minute=15),
    },
    # Retention: anonymise claimants whose claim closed IWP_RETENTION_YEARS ago (before the nightly summaries, which
    # count the same figures either way). Safe to run twice: a lock and a marker for the day.
    "retention-anonymise-nightly": {
        "task": "claimants.retention_anonymise",
        "schedule": crontab(hour=2, minute=30),
    },
    "dashboard-summaries-nightly": {
        "task": "iwp.refresh_dashboard_summaries",
        "schedule": crontab(hour=3, minute=30),
    },
}

CACHES = {
    "default": (
        {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}
        if REDIS_URL
        else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
    )
}

EMAIL_BACKEND = env.str("DJANGO_EMAIL_BACKEND", default="django.core.mail.backends.console.EmailBackend")
DEFAULT_FROM_EMAIL = "iwp-casework@dwp.example"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env.str("DJANGO_LOG_LEVEL", default="INFO")},
    "loggers": {"axes": {"level": "WARNING"}},
}

# The service's name and phase, shown in the header and the phase banner.
IWP_SERVICE_NAME = "IWP Casework"
IWP_PHASE = "Alpha"
