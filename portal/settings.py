"""Settings for the portal, read from the environment (see .env.example).

Without DATABASE_URL / REDIS_URL the portal runs on embedded stand-ins: SQLite (WAL, immediate
transactions) and kombu's filesystem broker. With them, PostgreSQL and Redis.
"""

from pathlib import Path

import environ

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = BASE_DIR / "var"

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

DEBUG = env.bool("DJANGO_DEBUG", default=False)
SECRET_KEY = env.str("DJANGO_SECRET_KEY", default="dev-only-insecure-key" if DEBUG else environ.Env.NOTSET)
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=["127.0.0.1", "localhost"] if DEBUG else [])
CSRF_TRUSTED_ORIGINS = env.list("DJANGO_CSRF_TRUSTED_ORIGINS", default=[])
# Demo accounts and demo keys exist only in development (DJANGO_DEBUG=1).
DEMO_MODE = DEBUG

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_filters",
    "guardian",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "axes",
    "django_celery_beat",
    "django_htmx",
    "portal",
    "catalog",
    "applications",
    "windows",
    "reviews",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # Outermost but one, so that it also marks the redirects and errors of the middleware below.
    "portal.middleware.PrivateResponseMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "csp.middleware.CSPMiddleware",
    # Before the session is read: NUL and lone surrogates in the path, query or form are refused.
    "portal.middleware.UnsafeInputMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "portal.middleware.StaffSecondFactorMiddleware",
    # AxesMiddleware last, as django-axes asks.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "portal.urls"
WSGI_APPLICATION = "portal.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "portal.context_processors.site",
                # Each workbench app adds its header link and count (portal imports neither).
                "windows.context_processors.hall_workbench",
                "reviews.context_processors.review_workbench",
            ],
        },
    },
]

# --- Database -------------------------------------------------------------------------------
if env.str("DATABASE_URL", default=""):
    DATABASES = {"default": env.db("DATABASE_URL")}
    DATABASES["default"].setdefault("CONN_MAX_AGE", env.int("DJANGO_CONN_MAX_AGE", default=60))
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
else:
    VAR_DIR.mkdir(exist_ok=True)
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": VAR_DIR / "portal.sqlite3",
            # SQLite ignores select_for_update; immediate transactions and WAL keep the web
            # process, the worker and beat from tripping over "database is locked".
            "OPTIONS": {
                "transaction_mode": "IMMEDIATE",
                "timeout": 20,
                "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
            },
        }
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Accounts and security -----------------------------------------------------------------
AUTH_USER_MODEL = "portal.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
    "guardian.backends.ObjectPermissionBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 8}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "portal:home"
LOGOUT_REDIRECT_URL = "portal:home"
ANONYMOUS_USER_NAME = None  # guardian: no anonymous user row

# Sessions live in the database and expire when idle.
SESSION_ENGINE = "django.contrib.sessions.backends.db"
SESSION_COOKIE_AGE = env.int("SESSION_IDLE_SECONDS", default=30 * 60)
SESSION_SAVE_EVERY_REQUEST = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"

# Lockout: keyed on username + IP with a cool-off, so nobody can lock a clerk out from elsewhere
# and one office IP behind NAT never locks a whole hall. Records in the database.
AXES_HANDLER = "axes.handlers.database.AxesDatabaseHandler"
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = env.float("AXES_COOLOFF_MINUTES", default=15) / 60  # hours
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "portal/locked_out.html"
AXES_ENABLED = env.bool("AXES_ENABLED", default=True)
# Keep each failure (AccessFailureLog): AccessAttempt rows are reset by a successful sign-in.
AXES_ENABLE_ACCESS_FAILURE_LOG = True
AXES_VERBOSE = False
# Against password spraying (portal.lockout): an address whose failed sign-ins in the window reach
# the limit, over at least that many distinct usernames, may not sign in until they age out.
SIGNIN_IP_FAILURE_LIMIT = env.int("SIGNIN_IP_FAILURE_LIMIT", default=30)
SIGNIN_IP_DISTINCT_USERNAMES = env.int("SIGNIN_IP_DISTINCT_USERNAMES", default=10)
SIGNIN_IP_WINDOW_MINUTES = env.int("SIGNIN_IP_WINDOW_MINUTES", default=15)

OTP_TOTP_ISSUER = "一网通办"

SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
SECURE_REFERRER_POLICY = "same-origin"
if not DEBUG:
    SECURE_SSL_REDIRECT = env.bool("DJANGO_SECURE_SSL_REDIRECT", default=True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_HSTS_SECONDS = env.int("DJANGO_HSTS_SECONDS", default=31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True

CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "style-src": ["'self'"],
        "script-src": ["'self'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
    }
}

# --- Language, time ------------------------------------------------------------------------
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
# The language is the user's choice (the header's switcher, django.views.i18n.set_language), kept in a
# cookie for a year; without one, LocaleMiddleware takes the browser's Accept-Language, else Chinese.
LANGUAGE_COOKIE_AGE = 365 * 24 * 3600
LANGUAGE_COOKIE_SAMESITE = "Lax"
# Date formats per language where they differ from Django's (portal/formats/<locale>/formats.py).
FORMAT_MODULE_PATH = ["portal.formats"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

# --- Files ---------------------------------------------------------------------------------
STATIC_URL = "/static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = env.path("DJANGO_STATIC_ROOT", default=BASE_DIR / "var" / "staticfiles")
# Uploaded files live outside static files and are served only through views that check access.
MEDIA_ROOT = env.path("DJANGO_MEDIA_ROOT", default=BASE_DIR / "var" / "media")
# No route serves this prefix: files go out only through views that check access.
MEDIA_URL = "/_private/"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}
UPLOAD_MAX_BYTES = env.int("UPLOAD_MAX_BYTES", default=10 * 1024 * 1024)
IMPORT_MAX_BYTES = env.int("IMPORT_MAX_BYTES", default=20 * 1024 * 1024)
# Any request body, files included (a draft page may send several materials at once): refused past this.
REQUEST_MAX_BYTES = env.int("REQUEST_MAX_BYTES", default=50 * 1024 * 1024)
# What an XLSX import may unpack to, and how many item rows a file may hold (zip bombs, memory).
IMPORT_MAX_UNPACKED_BYTES = env.int("IMPORT_MAX_UNPACKED_BYTES", default=50 * 1024 * 1024)
IMPORT_MAX_ROWS = env.int("IMPORT_MAX_ROWS", default=20_000)
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024

# --- Cache and throttling: works without Redis ------------------------------------------------
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "portal"}}

# --- API ------------------------------------------------------------------------------------
REST_FRAMEWORK = {
    # NUL, lone surrogates and JSON nested past 32 levels answer 400 (portal.parsers).
    "DEFAULT_PARSER_CLASSES": [
        "portal.parsers.JSONParser",
        "portal.parsers.FormParser",
        "portal.parsers.MultiPartParser",
    ],
    # The bearer key first: DRF takes the 401 challenge (WWW-Authenticate) from the first class.
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "portal.authentication.BearerTokenAuthentication",
        "portal.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticatedOrReadOnly"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 20,
    "EXCEPTION_HANDLER": "portal.exceptions.api_exception_handler",
    "DEFAULT_THROTTLE_CLASSES": [
        "rest_framework.throttling.AnonRateThrottle",
        "rest_framework.throttling.UserRateThrottle",
    ],
    "DEFAULT_THROTTLE_RATES": {
        "anon": env.str("API_ANON_RATE", default="600/minute"),
        "user": env.str("API_USER_RATE", default="3000/minute"),
    },
}
# API keys (portal.tokens) expire this many hours after they are issued.
API_TOKEN_TTL_HOURS = env.int("API_TOKEN_TTL_HOURS", default=12)
SPECTACULAR_SETTINGS = {
    "TITLE": "一网通办 API",
    "DESCRIPTION": "Service-item catalog and applications of the one-stop government services portal.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    # Choice sets used by more than one field get one schema name (no generator warnings).
    "ENUM_NAME_OVERRIDES": {
        "TimeUnitEnum": "catalog.models.ServiceItem.TimeUnit",
        "StepKindEnum": "catalog.models.ProcessStep.Kind",
        "ChangeKindEnum": "catalog.serializers.CHANGE_KINDS",
        "ItemStatusEnum": "catalog.models.ServiceItem.Status",
        "ApplicationStatusEnum": "applications.models.Application.Status",
        "DeliveryMethodEnum": "applications.models.Application.DeliveryMethod",
        "FeeStatusEnum": "applications.models.FeeAssessment.Status",
        "ReviewTaskStatusEnum": "applications.models.ReviewTask.Status",
        "ExtensionStatusEnum": "applications.models.Extension.Status",
        "LightEnum": "applications.models.Application.Light",
        "DecisionOutcomeEnum": "applications.models.Application.Outcome",
        "CommitmentOutcomeEnum": "applications.models.Commitment.Outcome",
        "CommitmentCheckOutcomeEnum": "reviews.serializers.CHECK_OUTCOMES",
        "DeadlineSignalSourceEnum": "applications.deadlines.SIGNAL_SOURCES",
        "MaterialSourceEnum": "catalog.models.MaterialRequirement.Source",
        "ApplicationChannelEnum": "applications.models.Application.Channel",
        "RatingLevelEnum": "reviews.models.Level",
        "FollowUpLevelEnum": "reviews.rating_serializers.FOLLOW_UP_CHOICES",
        "RatingStateEnum": "reviews.rating_serializers.RATING_STATES",
        "RatingChannelEnum": "reviews.rating_serializers.RATING_CHANNELS",
        "EvaluationChannelEnum": "reviews.models.Evaluation.Channel",
        "EvaluationStatusEnum": "reviews.models.Evaluation.Status",
        "IndicatorScopeEnum": "reviews.models.Indicator.Scope",
        "RectificationStatusEnum": "reviews.models.Rectification.Status",
        "RectificationClassificationEnum": "reviews.models.Rectification.Classification",
        "AppealOutcomeEnum": "reviews.models.Rectification.AppealOutcome",
    },
}

# --- Celery ---------------------------------------------------------------------------------
REDIS_URL = env.str("REDIS_URL", default="")
if REDIS_URL:
    CELERY_BROKER_URL = REDIS_URL
    CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 3600}
else:
    _broker = VAR_DIR / "broker"
    for _sub in ("in", "processed", "control"):
        (_broker / _sub).mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_URL = "filesystem://"
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_broker / "in"),
        "data_folder_out": str(_broker / "in"),
        "processed_folder": str(_broker / "processed"),
        "store_processed": False,
        "control_folder": str(_broker / "control"),
    }
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_TASK_TIME_LIMIT = 300
CELERY_TASK_SOFT_TIME_LIMIT = 240
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_IGNORE_RESULT = True
CELERY_BEAT_SCHEDULER = "portal.beat:SingleBeatScheduler"  # exactly one beat (portal/beat.py)
CELERY_TIMEZONE = TIME_ZONE
SWEEP_INTERVAL_SECONDS = env.int("SWEEP_INTERVAL_SECONDS", default=60)

# --- Mail and SMS ---------------------------------------------------------------------------
EMAIL_BACKEND = env.str(
    "EMAIL_BACKEND",
    default="django.core.mail.backends.console.EmailBackend"
    if DEBUG
    else "django.core.mail.backends.smtp.EmailBackend",
)
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="noreply@zwfw.example.gov.cn")
# SMS: a class with send(phone=, text=, key=) (portal/sms.py). The default only logs each message and
# appends it to SMS_LOG_PATH (development); production names portal.sms.HttpSmsBackend (SMS_GATEWAY_*).
SMS_BACKEND = env.str("SMS_BACKEND", default="portal.sms.LoggingSmsBackend")
SMS_LOG_PATH = env.str("SMS_LOG_PATH", default=str(VAR_DIR / "sms.log"))

# --- Outside providers (portal/signed_http.py): real-name check, payment, SMS gateway -----------
# Each is a dotted class path (SMS_BACKEND above); the demo ones are refused outside demo mode
# (portal/checks.py). The HTTP adapters read <PREFIX>_URL (https), _APP_ID and _SECRET (the key of
# the HMAC-SHA256 signature of each request body).
REAL_NAME_VERIFIER = env.str("REAL_NAME_VERIFIER", default="portal.realname.DemoRealNameVerifier")
REAL_NAME_VERIFIER_URL = env.str("REAL_NAME_VERIFIER_URL", default="")
REAL_NAME_VERIFIER_APP_ID = env.str("REAL_NAME_VERIFIER_APP_ID", default="")
REAL_NAME_VERIFIER_SECRET = env.str("REAL_NAME_VERIFIER_SECRET", default="")
PAYMENT_PROVIDER = env.str("PAYMENT_PROVIDER", default="applications.payments.DemoPaymentProvider")
PAYMENT_PROVIDER_URL = env.str("PAYMENT_PROVIDER_URL", default="")
PAYMENT_PROVIDER_APP_ID = env.str("PAYMENT_PROVIDER_APP_ID", default="")
PAYMENT_PROVIDER_SECRET = env.str("PAYMENT_PROVIDER_SECRET", default="")
SMS_GATEWAY_URL = env.str("SMS_GATEWAY_URL", default="")
SMS_GATEWAY_APP_ID = env.str("SMS_GATEWAY_APP_ID", default="")
SMS_GATEWAY_SECRET = env.str("SMS_GATEWAY_SECRET", default="")
# Where a USCC's registered name and legal representative come from (portal/registry.py).
ORGANIZATION_REGISTRY = env.str("ORGANIZATION_REGISTRY", default="portal.registry.DemoOrganizationRegistry")
ORGANIZATION_REGISTRY_URL = env.str("ORGANIZATION_REGISTRY_URL", default="")
ORGANIZATION_REGISTRY_APP_ID = env.str("ORGANIZATION_REGISTRY_APP_ID", default="")
ORGANIZATION_REGISTRY_SECRET = env.str("ORGANIZATION_REGISTRY_SECRET", default="")
# The e-licence registry (电子证照库, applications/licences/registry.py): the demo one reads our own table;
# a provincial adapter replaces it by its dotted path.
PORTAL_LICENCE_REGISTRY = env.str(
    "PORTAL_LICENCE_REGISTRY", default="applications.licences.registry.DatabaseLicenceRegistry"
)
PORTAL_LICENCE_REGISTRY_URL = env.str("PORTAL_LICENCE_REGISTRY_URL", default="")
PORTAL_LICENCE_REGISTRY_APP_ID = env.str("PORTAL_LICENCE_REGISTRY_APP_ID", default="")
PORTAL_LICENCE_REGISTRY_SECRET = env.str("PORTAL_LICENCE_REGISTRY_SECRET", default="")
# Seconds to wait for a provider to connect and to answer; a person is waiting for the first two.
PROVIDER_TIMEOUT_SECONDS = env.float("PROVIDER_TIMEOUT_SECONDS", default=10.0)

# --- Logging --------------------------------------------------------------------------------
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {"weasyprint": {"level": "ERROR"}, "fontTools": {"level": "ERROR"}},
}

# --- Portal ----------------------------------------------------------------------------------
PORTAL_NAME = env.str("PORTAL_NAME", default="一网通办 · 政务服务网")
SERVICE_HOTLINE = env.str("SERVICE_HOTLINE", default="12345")
# Key of the keyed digest (HMAC) that links ID numbers without storing them.
ID_NUMBER_HASH_KEY = env.str("ID_NUMBER_HASH_KEY", default=SECRET_KEY if DEBUG else environ.Env.NOTSET)

# --- The case clock -------------------------------------------------------------------------
DEADLINE_WARNING_WORKDAYS = env.int("DEADLINE_WARNING_WORKDAYS", default=2)
CORRECTION_PERIOD_WORKDAYS = env.int("CORRECTION_PERIOD_WORKDAYS", default=10)
# Key that encrypts ID numbers at rest (a Fernet key in production: Fernet.generate_key()).
FIELD_ENCRYPTION_KEY = env.str("FIELD_ENCRYPTION_KEY", default=SECRET_KEY if DEBUG else environ.Env.NOTSET)

# --- Case documents (applications/documents.py) ------------------------------------------------
# PEM files of the key that signs documents (PAdES) and of its certificate, the chain after it.
# Empty in development: a demo key and a self-signed certificate are generated once under var/.
DOCUMENT_SIGNING_KEY_PATH = env.str("DOCUMENT_SIGNING_KEY_PATH", default="")
DOCUMENT_SIGNING_CERT_PATH = env.str("DOCUMENT_SIGNING_CERT_PATH", default="")
DOCUMENT_SIGNING_KEY_PASSPHRASE = env.str("DOCUMENT_SIGNING_KEY_PASSPHRASE", default="")
# Where the demo pair is generated (development and tests only; the tests point it at a temporary dir).
DOCUMENT_SIGNING_DEMO_DIR = env.path("DOCUMENT_SIGNING_DEMO_DIR", default=VAR_DIR / "signing")
# The public address printed in documents' QR codes: from here, never from a request's Host header.
# In development it follows the address `make run` serves on (PORTAL_ADDR, read by web and worker alike).
PORTAL_ADDR = env.str("PORTAL_ADDR", default="127.0.0.1:8000").replace("0.0.0.0", "127.0.0.1")
PORTAL_PUBLIC_URL = env.str("PORTAL_PUBLIC_URL", default=f"http://{PORTAL_ADDR}" if DEBUG else "")
