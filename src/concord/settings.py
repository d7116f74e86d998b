"""Concord settings: everything that varies between machines comes from the environment."""

import datetime as dt
import os
import sys
from pathlib import Path

import dj_database_url
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent
PROJECT_DIR = BASE_DIR.parent.parent
VAR_DIR = Path(os.environ.get("CONCORD_VAR_DIR", PROJECT_DIR / "var"))


def env_flag(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


DEBUG = env_flag("CONCORD_DEBUG")
# The demo key only ever signs sessions on a developer's machine; production sets its own.
SECRET_KEY = os.environ.get("CONCORD_SECRET_KEY", "concord-demo-only-not-for-production")
ALLOWED_HOSTS = [
    h
    for h in os.environ.get("CONCORD_ALLOWED_HOSTS", "localhost,127.0.0.1,[::1],testserver").split(
        ","
    )
    if h
]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "csp",
    "ninja",  # serves the /api/docs assets locally: the bureau network has no CDN
    "concord.core",
    "concord.territory",
    "concord.accounts",
    "concord.audit",
    "concord.people",
    "concord.disputes",
    "concord.intake",
    "concord.mediation",
    "concord.reporting",
    "concord.notify",
    "huey.contrib.djhuey",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "concord.accounts.middleware.SessionIdleTimeoutMiddleware",
    "concord.accounts.middleware.RequireSecondFactorMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "axes.middleware.AxesMiddleware",  # last: turns a locked-out login into the lockout page
]

ROOT_URLCONF = "concord.urls"
WSGI_APPLICATION = "concord.wsgi.application"

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
                "django.template.context_processors.i18n",
                "concord.core.context_processors.navigation",
            ],
        },
    },
]

DEFAULT_SQLITE_PATH = VAR_DIR / "concord.sqlite3"
DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL") or f"sqlite:///{DEFAULT_SQLITE_PATH}",
        conn_max_age=int(os.environ.get("CONCORD_CONN_MAX_AGE", "0")),
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets readers and one writer work at once; IMMEDIATE takes the write lock up front,
    # so two writers wait for each other instead of failing half-way with "database is locked".
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;",
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
        }
    )
    DATABASES["default"]["TEST"] = {"NAME": os.environ.get("CONCORD_TEST_SQLITE")}

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "accounts.User"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 10},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
    {"NAME": "concord.accounts.validators.CharacterClassValidator"},
]

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

# --- Login and transport security (issue 10) ---------------------------------------------------
# "Production" is a server with its own secret key and DEBUG off; the demo (`make demo`, plain
# HTTP on localhost, the demo key) and the tests are not. Each setting below can be overridden.
PRODUCTION = env_flag(
    "CONCORD_PRODUCTION", default=not DEBUG and bool(os.environ.get("CONCORD_SECRET_KEY"))
)

# django-axes: after CONCORD_LOGIN_FAILURE_LIMIT wrong passwords for one username from one address,
# that pair is locked out for CONCORD_LOCKOUT_MINUTES (the page says so, translated). Failed logins
# still reach the audit log (concord.accounts.signals). A success clears the count.
AUTHENTICATION_BACKENDS = [
    "concord.accounts.backends.LockoutBackend",  # django-axes, see there
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = int(os.environ.get("CONCORD_LOGIN_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = dt.timedelta(minutes=int(os.environ.get("CONCORD_LOCKOUT_MINUTES", "30")))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "concord.accounts.views.lockout"
AXES_DISABLE_ACCESS_LOG = True  # successful logins are in the audit log already
AXES_VERBOSE = False

# django-otp: bureau commanders and administrators (and superusers) confirm every session with a
# TOTP code from an authenticator app (concord.accounts.middleware.RequireSecondFactorMiddleware).
OTP_TOTP_ISSUER = "Concord"

# Sessions end after CONCORD_SESSION_IDLE_MINUTES without a request the user made (background
# polls such as the notification bell do not count), and CONCORD_SESSION_SECONDS after login at
# the latest (concord.accounts.middleware.SessionIdleTimeoutMiddleware).
SESSION_COOKIE_AGE = int(os.environ.get("CONCORD_SESSION_SECONDS", str(8 * 3600)))
CONCORD_SESSION_IDLE_SECONDS = 60 * int(os.environ.get("CONCORD_SESSION_IDLE_MINUTES", "30"))
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = False  # htmx reads nothing from it, but the API's docs page does
CSRF_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_SECURE = env_flag("CONCORD_SECURE_COOKIES", default=PRODUCTION)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
CSRF_TRUSTED_ORIGINS = [
    o for o in os.environ.get("CONCORD_CSRF_TRUSTED_ORIGINS", "").split(",") if o.strip()
]

# HTTPS. Behind a proxy that terminates TLS, set CONCORD_PROXY_SSL_HEADER=1 (the proxy must set
# X-Forwarded-Proto) or CONCORD_SSL_REDIRECT=0 if the proxy redirects to HTTPS itself.
SECURE_SSL_REDIRECT = env_flag("CONCORD_SSL_REDIRECT", default=PRODUCTION)
if env_flag("CONCORD_PROXY_SSL_HEADER"):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_HSTS_SECONDS = int(
    os.environ.get("CONCORD_HSTS_SECONDS", str(365 * 24 * 3600 if PRODUCTION else 0))
)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_flag("CONCORD_HSTS_SUBDOMAINS", default=True)
SECURE_HSTS_PRELOAD = env_flag("CONCORD_HSTS_PRELOAD", default=True)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

# Content-Security-Policy (django-csp): scripts only from our own static files, never inline.
# Styles allow 'unsafe-inline' for style="" attributes in templates and the <style> of the print
# pages (a style cannot run code). Map tiles may come from CONCORD_MAP_TILE_URL's host.
_CSP_IMG = ["'self'", "data:"]
if os.environ.get("CONCORD_MAP_TILE_URL"):
    from urllib.parse import urlsplit

    _tiles = urlsplit(os.environ["CONCORD_MAP_TILE_URL"].replace("{s}", "*"))
    if _tiles.scheme and _tiles.netloc:
        _CSP_IMG.append(f"{_tiles.scheme}://{_tiles.netloc}")
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'", "'unsafe-inline'"],
        "img-src": _CSP_IMG,
        "font-src": ["'self'", "data:"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    },
}

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", _("Simplified Chinese")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
LANGUAGE_COOKIE_NAME = "concord_language"
LANGUAGE_COOKIE_AGE = 365 * 24 * 3600
TIME_ZONE = os.environ.get("CONCORD_TIME_ZONE", "Asia/Shanghai")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
# Set where `concord collectstatic` gathers files for a production web server; the demo serves them
# straight from the apps through WhiteNoise.
STATIC_ROOT = os.environ.get("CONCORD_STATIC_ROOT") or None
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = DEBUG

MEDIA_ROOT = Path(os.environ.get("CONCORD_MEDIA_ROOT", VAR_DIR / "media"))
MEDIA_URL = "media/"  # never served directly: attachments go through a scoped, audited view
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 20 * 1024 * 1024
CONCORD_ATTACHMENT_MAX_BYTES = int(
    os.environ.get("CONCORD_ATTACHMENT_MAX_BYTES", str(15 * 1024 * 1024))
)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("CONCORD_LOG_LEVEL", "WARNING")},
}

# The grid map draws unit boundaries on a plain background. A bureau with a tile server on its
# intranet sets its URL template here ("https://tiles.example/{z}/{x}/{y}.png"); empty means none.
CONCORD_MAP_TILE_URL = os.environ.get("CONCORD_MAP_TILE_URL", "")
CONCORD_MAP_TILE_ATTRIBUTION = os.environ.get("CONCORD_MAP_TILE_ATTRIBUTION", "")

# Background jobs (DESIGN §5): huey. Its queue is an SQLite file under var/ (no server to install);
# setting CONCORD_REDIS_URL ("redis://host:6379/0") puts it in Redis instead (pip install redis).
# `concord run_huey` runs the worker with its schedule (concord/notify/tasks.py). Tests run tasks
# at once, in memory.
CONCORD_REDIS_URL = os.environ.get("CONCORD_REDIS_URL", "")
_HUEY_IMMEDIATE = env_flag("CONCORD_HUEY_IMMEDIATE", default="pytest" in sys.modules)
HUEY = {
    "name": "concord",
    "immediate": _HUEY_IMMEDIATE,
    "results": False,
    "utc": True,
    "consumer": {"workers": 1, "worker_type": "thread", "periodic": True},
}
if CONCORD_REDIS_URL:
    HUEY.update({"huey_class": "huey.RedisHuey", "url": CONCORD_REDIS_URL})
else:
    HUEY.update(
        {
            "huey_class": "huey.SqliteHuey",
            "filename": str(VAR_DIR / "huey.sqlite3"),
            "create_tables": not _HUEY_IMMEDIATE,
        }
    )
    if not _HUEY_IMMEDIATE:
        VAR_DIR.mkdir(parents=True, exist_ok=True)

# E-mail through Django's mail settings: an SMTP server when CONCORD_EMAIL_HOST is set, otherwise
# each message is written as a file under var/mail/ (the demo sends nothing out).
EMAIL_HOST = os.environ.get("CONCORD_EMAIL_HOST", "")
EMAIL_PORT = int(os.environ.get("CONCORD_EMAIL_PORT", "25"))
EMAIL_HOST_USER = os.environ.get("CONCORD_EMAIL_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("CONCORD_EMAIL_PASSWORD", "")
EMAIL_USE_TLS = env_flag("CONCORD_EMAIL_TLS")
EMAIL_TIMEOUT = int(os.environ.get("CONCORD_EMAIL_TIMEOUT", "10"))
EMAIL_BACKEND = os.environ.get("CONCORD_EMAIL_BACKEND") or (
    "django.core.mail.backends.smtp.EmailBackend"
    if EMAIL_HOST
    else "django.core.mail.backends.filebased.EmailBackend"
)
EMAIL_FILE_PATH = VAR_DIR / "mail"
DEFAULT_FROM_EMAIL = os.environ.get("CONCORD_EMAIL_FROM", "concord@localhost")

# SMS through a gateway (concord/notify/gateways.py): the logging gateway writes texts to the log;
# "concord.notify.gateways.HttpSmsGateway" POSTs them to CONCORD_SMS_URL, with a timeout per request
# and retries.
CONCORD_SMS_GATEWAY = os.environ.get(
    "CONCORD_SMS_GATEWAY", "concord.notify.gateways.LoggingSmsGateway"
)
CONCORD_SMS_URL = os.environ.get("CONCORD_SMS_URL", "")
CONCORD_SMS_TOKEN = os.environ.get("CONCORD_SMS_TOKEN", "")
CONCORD_SMS_TIMEOUT = float(os.environ.get("CONCORD_SMS_TIMEOUT", "5"))
CONCORD_SMS_RETRIES = int(os.environ.get("CONCORD_SMS_RETRIES", "3"))
CONCORD_SMS_BACKOFF = float(os.environ.get("CONCORD_SMS_BACKOFF", "0.5"))  # seconds, doubling

# Notifications (concord/notify/jobs.py): reminders before a task falls due and before a nil-report
# period closes, the daily digest's time on the bureau's clock, and how often a failed e-mail or SMS
# is tried (every N minutes, doubling) before an administrator is shown it.
CONCORD_DUE_SOON_HOURS = int(os.environ.get("CONCORD_DUE_SOON_HOURS", "24"))
CONCORD_NIL_REMINDER_HOURS = int(os.environ.get("CONCORD_NIL_REMINDER_HOURS", "24"))
CONCORD_DIGEST_TIME = os.environ.get("CONCORD_DIGEST_TIME", "08:00")
CONCORD_DELIVERY_MAX_ATTEMPTS = int(os.environ.get("CONCORD_DELIVERY_MAX_ATTEMPTS", "3"))
CONCORD_DELIVERY_RETRY_MINUTES = int(os.environ.get("CONCORD_DELIVERY_RETRY_MINUTES", "5"))
# Hours a task may be overdue before the supervisor one tier up hears, per level, as
# "yellow=24,orange=4,red=0" (default: concord.notify.jobs.ESCALATION_GRACE_HOURS, those values).
CONCORD_ESCALATION_GRACE_HOURS: dict[str, int] = {
    level.strip(): int(hours)
    for level, _sep, hours in (
        item.partition("=")
        for item in os.environ.get("CONCORD_ESCALATION_GRACE_HOURS", "").split(",")
        if item.strip()
    )
}
CONCORD_RETENTION_DAYS = int(os.environ.get("CONCORD_RETENTION_DAYS", "1095"))  # days; retention

# How long a computed dashboard is shown to everyone who sees that unit the same way (scope unit,
# role, language) before it is computed again; 0 computes it for every request.
CONCORD_DASHBOARD_CACHE_SECONDS = int(os.environ.get("CONCORD_DASHBOARD_CACHE_SECONDS", "30"))

# Requests one API token may make (django-ninja rate syntax: "600/min", "20/s"); see concord.api.
CONCORD_API_RATE = os.environ.get("CONCORD_API_RATE", "600/min")
