"""Bannette settings: embedded defaults, everything overridable by environment variables.

Every variable read here is documented in the README ("Configuration").
"""

from __future__ import annotations

import contextlib
import datetime
import os
import secrets
from pathlib import Path

import dj_database_url
import django_stubs_ext
from csp.constants import NONCE, NONE, SELF
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _
from django_guid.integrations import CeleryIntegration

from config.env import (
    env_bool,
    env_choice,
    env_colour,
    env_int,
    env_list,
    env_map,
    env_secret,
    env_str,
)

# Generic admin and form classes (ModelAdmin[Mail]...) as the type checker sees them.
django_stubs_ext.monkeypatch()

BASE_DIR = Path(__file__).resolve().parent.parent
DATA_DIR = Path(env_str("BANNETTE_DATA_DIR", str(BASE_DIR / "var"))).resolve()
DATA_DIR.mkdir(parents=True, exist_ok=True)


def _kept_secret(variable: str, file_name: str) -> str:
    """The configured key, or one generated once and kept in the data directory."""
    configured = env_secret(variable)
    if configured:
        return configured
    key_file = DATA_DIR / file_name
    if not key_file.exists():
        # Several processes may start at once (web processes, workers): the key is written
        # aside, then linked into place, so no process ever reads a half-written key.
        draft = DATA_DIR / f"{file_name}.{os.getpid()}"
        draft.write_text(secrets.token_urlsafe(50), encoding="utf-8")
        draft.chmod(0o600)
        with contextlib.suppress(FileExistsError):
            os.link(draft, key_file)
        draft.unlink()
    return key_file.read_text(encoding="utf-8").strip()


SECRET_KEY = _kept_secret("BANNETTE_SECRET_KEY", "secret_key")
# Marks each journal event as written by Bannette (an HMAC): keep it outside the database and
# its backups, the same on every web process and worker (see the README, Archives).
BANNETTE_JOURNAL_KEY = _kept_secret("BANNETTE_JOURNAL_KEY", "journal_key")
DEBUG = env_bool("BANNETTE_DEBUG", False)
ALLOWED_HOSTS = env_list("BANNETTE_ALLOWED_HOSTS", ["127.0.0.1", "localhost"])
CSRF_TRUSTED_ORIGINS = env_list("BANNETTE_CSRF_TRUSTED_ORIGINS", [])
SESSION_COOKIE_SECURE = env_bool("BANNETTE_SECURE_COOKIES", False)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SESSION_COOKIE_AGE = env_int("BANNETTE_SESSION_SECONDS", 8 * 3600, minimum=300)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"  # documents shown in Bannette's own PDF viewer say SAMEORIGIN
# Behind an HTTPS proxy: trust its X-Forwarded-Proto, and tell browsers to stay on HTTPS.
if env_bool("BANNETTE_BEHIND_HTTPS_PROXY", False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_HSTS_SECONDS = env_int("BANNETTE_HSTS_SECONDS", 0, minimum=0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("BANNETTE_HSTS_INCLUDE_SUBDOMAINS", False)
SECURE_HSTS_PRELOAD = env_bool("BANNETTE_HSTS_PRELOAD", False)
# Behind a proxy the proxy redirects http:// itself; Django does it otherwise when asked.
SECURE_SSL_REDIRECT = env_bool("BANNETTE_SSL_REDIRECT", False)
# Scripts only from Bannette's own files (inline ones carry the response's nonce); no plugin,
# no foreign form target, no framing by other sites. Inline style attributes stay allowed
# (htmx and the admin set some); they cannot run code.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF, NONCE],
        "style-src": [SELF, NONCE],  # no inline style: classes, and the nonce for the brand's
        "img-src": [SELF, "data:"],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    }
}
# Login throttling: after BANNETTE_LOGIN_FAILURES failed passwords for one account from one
# address, that pair waits BANNETTE_LOGIN_LOCK_MINUTES (administrators may lift it in the admin,
# "Access attempts"). Every attempt is also in the journal.
AXES_FAILURE_LIMIT = env_int("BANNETTE_LOGIN_FAILURES", 5, minimum=1)
AXES_COOLOFF_TIME = datetime.timedelta(
    minutes=env_int("BANNETTE_LOGIN_LOCK_MINUTES", 15, minimum=1)
)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
# Failed sign-ins from one address across all accounts before it is suspended (spraying).
BANNETTE_LOGIN_ADDRESS_FAILURES = env_int("BANNETTE_LOGIN_ADDRESS_FAILURES", 20, minimum=1)
AXES_RESET_ON_SUCCESS = True
AXES_CLIENT_IP_CALLABLE = "courrier.client_address.client_ip"
AXES_LOCKOUT_CALLABLE = "courrier.views.password.locked_out"
AXES_VERBOSE = False
AXES_ENABLE_ACCESS_FAILURE_LOG = False
AXES_DISABLE_ACCESS_LOG = True  # the journal records logins and logouts
# Who signs in how: local passwords (BANNETTE_LOCAL_LOGIN), an LDAP / Active Directory
# (BANNETTE_LDAP_URI), an OpenID Connect provider such as ProConnect or Keycloak
# (BANNETTE_OIDC_CLIENT_ID); see sso/ and the README.
BANNETTE_LOCAL_LOGIN = env_bool("BANNETTE_LOCAL_LOGIN", True)
BANNETTE_LDAP_URI = env_str("BANNETTE_LDAP_URI")
BANNETTE_LDAP_BIND_DN = env_str("BANNETTE_LDAP_BIND_DN")
BANNETTE_LDAP_BIND_PASSWORD = env_secret("BANNETTE_LDAP_BIND_PASSWORD")
BANNETTE_LDAP_START_TLS = env_bool("BANNETTE_LDAP_START_TLS", False)
BANNETTE_LDAP_USER_BASE = env_str("BANNETTE_LDAP_USER_BASE")
BANNETTE_LDAP_USER_FILTER = env_str("BANNETTE_LDAP_USER_FILTER", "(uid=%(user)s)")
BANNETTE_LDAP_USERNAME_ATTRIBUTE = env_str("BANNETTE_LDAP_USERNAME_ATTRIBUTE", "uid")
BANNETTE_LDAP_SYNC_FILTER = env_str("BANNETTE_LDAP_SYNC_FILTER", "(objectClass=inetOrgPerson)")
BANNETTE_LDAP_GROUP_BASE = env_str("BANNETTE_LDAP_GROUP_BASE")
BANNETTE_LDAP_ENTITY_ATTRIBUTE = env_str("BANNETTE_LDAP_ENTITY_ATTRIBUTE", "departmentNumber")
BANNETTE_LDAP_ENTITY_MAP = env_map("BANNETTE_LDAP_ENTITY_MAP")
BANNETTE_LDAP_ROLE_GROUPS = env_map("BANNETTE_LDAP_ROLE_GROUPS")
BANNETTE_LDAP_DEFAULT_ROLE = env_str("BANNETTE_LDAP_DEFAULT_ROLE")
BANNETTE_LDAP_SYNC_HOURS = env_int("BANNETTE_LDAP_SYNC_HOURS", 24, minimum=0)
BANNETTE_OIDC_CLIENT_ID = env_str("BANNETTE_OIDC_CLIENT_ID")
BANNETTE_OIDC_LABEL = env_str("BANNETTE_OIDC_LABEL", "ProConnect")
BANNETTE_OIDC_USERNAME_CLAIM = env_str("BANNETTE_OIDC_USERNAME_CLAIM", "preferred_username")
BANNETTE_OIDC_FIRST_NAME_CLAIM = env_str("BANNETTE_OIDC_FIRST_NAME_CLAIM", "given_name")
BANNETTE_OIDC_LAST_NAME_CLAIM = env_str("BANNETTE_OIDC_LAST_NAME_CLAIM", "family_name")
BANNETTE_OIDC_ENTITY_CLAIM = env_str("BANNETTE_OIDC_ENTITY_CLAIM")
BANNETTE_OIDC_ENTITY_MAP = env_map("BANNETTE_OIDC_ENTITY_MAP")
BANNETTE_OIDC_ROLES_CLAIM = env_str("BANNETTE_OIDC_ROLES_CLAIM", "groups")
BANNETTE_OIDC_ROLE_MAP = env_map("BANNETTE_OIDC_ROLE_MAP")
BANNETTE_OIDC_DEFAULT_ROLE = env_str("BANNETTE_OIDC_DEFAULT_ROLE")
# A first-time outside identity is linked to an existing account only by an administrator
# (manage.py link_identity) or by a verified e-mail address in one of these domains.
BANNETTE_SSO_LINK_EMAIL_DOMAINS = env_list("BANNETTE_SSO_LINK_EMAIL_DOMAINS", [])
# Webhooks go only to public https:// addresses, except to these origins (http://host:port).
BANNETTE_WEBHOOK_ALLOWED_ORIGINS = env_list("BANNETTE_WEBHOOK_ALLOWED_ORIGINS", [])
# mozilla-django-oidc's own names, from ours
OIDC_RP_CLIENT_ID = BANNETTE_OIDC_CLIENT_ID
OIDC_RP_CLIENT_SECRET = env_secret("BANNETTE_OIDC_CLIENT_SECRET")
OIDC_RP_SIGN_ALGO = env_str("BANNETTE_OIDC_SIGN_ALGO", "RS256")
OIDC_RP_SCOPES = env_str("BANNETTE_OIDC_SCOPES", "openid email profile")
OIDC_OP_AUTHORIZATION_ENDPOINT = env_str("BANNETTE_OIDC_AUTHORIZATION_ENDPOINT")
OIDC_OP_TOKEN_ENDPOINT = env_str("BANNETTE_OIDC_TOKEN_ENDPOINT")
OIDC_OP_USER_ENDPOINT = env_str("BANNETTE_OIDC_USERINFO_ENDPOINT")
OIDC_OP_JWKS_ENDPOINT = env_str("BANNETTE_OIDC_JWKS_ENDPOINT")
OIDC_OP_LOGOUT_ENDPOINT = env_str("BANNETTE_OIDC_LOGOUT_ENDPOINT")
OIDC_TIMEOUT = 10
LOGIN_REDIRECT_URL_FAILURE = "/login/?sso=echec"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    *(["django.contrib.auth.backends.ModelBackend"] if BANNETTE_LOCAL_LOGIN else []),
    *(["sso.ldap.BannetteLDAPBackend"] if BANNETTE_LDAP_URI else []),
    *(["sso.oidc.BannetteOIDCBackend"] if BANNETTE_OIDC_CLIENT_ID else []),
]
# Each request's id: taken from the proxy's X-Request-ID when it is a UUID, else made; sent
# back in the response, carried into the log lines and into the tasks the request queues.
DJANGO_GUID = {
    "GUID_HEADER_NAME": "X-Request-ID",
    "VALIDATE_GUID": True,
    "RETURN_HEADER": True,
    "EXPOSE_HEADER": False,
    "INTEGRATIONS": [CeleryIntegration(use_django_logging=True, log_parent=False)],
    "UUID_LENGTH": 32,
}
# Addresses of the reverse proxies whose X-Forwarded-For names the client (rate limits, logs).
BANNETTE_TRUSTED_PROXIES = env_list("BANNETTE_TRUSTED_PROXIES", [])
# Shared by every web process and kept across restarts (rate limits) when set; else in memory.
_CACHE_URL = env_secret("BANNETTE_CACHE_URL")
CACHES = {
    "default": (
        {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": _CACHE_URL}
        if _CACHE_URL
        else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
    )
}

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django_htmx",
    "django_guid",
    "axes",
    "csp",
    "courrier",
    "capture",
    "ocr",
    "indexing",
    "visa",
    "templates_office",
    "scanner_hotfolders",
    "notifications",
    "stats",
    "archives",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "api",
    "sso",
    "administration",
    "demo",
]

MIDDLEWARE = [
    "django_guid.middleware.guid_middleware",
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "courrier.middleware.ChosenLanguageMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "courrier.middleware.EntityTreeMemo",
    "courrier.middleware.RequestSizeLimitMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "courrier.context_processors.bannette",
            ],
        },
    },
]


def _database() -> dict[str, object]:
    url = env_secret("DATABASE_URL")
    if not url:
        return {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": str(DATA_DIR / "bannette.sqlite3"),
            # IMMEDIATE transactions + WAL let the web process and a worker share the file.
            "OPTIONS": {
                "transaction_mode": "IMMEDIATE",
                "timeout": 20,
                "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
            },
        }
    try:
        config = dict(
            dj_database_url.parse(url, conn_max_age=env_int("BANNETTE_DB_CONN_MAX_AGE", 60))
        )
    except ValueError as exc:
        raise ImproperlyConfigured(f"DATABASE_URL is not a valid database URL: {exc}") from exc
    config.setdefault("TEST", {"NAME": env_str("BANNETTE_TEST_DATABASE_NAME", "test_bannette")})
    config["CONN_HEALTH_CHECKS"] = True  # a connection the server closed is replaced, not used
    if config.get("ENGINE") == "django.db.backends.postgresql":
        # JIT compilation costs 0.4-0.6 s per search query and never pays back here.
        options = config.setdefault("OPTIONS", {})
        assert isinstance(options, dict)
        options.setdefault("options", "-c jit=off")
    return config


DATABASES = {"default": _database()}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "courrier.User"
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "fr"
LANGUAGES = [("fr", _("French")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = env_str("BANNETTE_TIME_ZONE", "Europe/Paris")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = DATA_DIR / "static"
STATIC_ROOT.mkdir(exist_ok=True)
WHITENOISE_USE_FINDERS = env_bool("BANNETTE_STATIC_FINDERS", True)
MEDIA_ROOT = DATA_DIR / "media"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024

# Celery: with no broker, tasks run in-process at call time (embedded mode).
CELERY_BROKER_URL = env_secret("CELERY_BROKER_URL")
CELERY_RESULT_BACKEND = env_secret("CELERY_RESULT_BACKEND") or CELERY_BROKER_URL or None
CELERY_TASK_ALWAYS_EAGER = not CELERY_BROKER_URL
# Nothing in Bannette waits for a task's result: queuing one never subscribes to the result
# store (with the broker down, that subscription alone retried for 20 s in the caller).
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True  # a killed worker's task goes back to the queue
CELERY_BROKER_CONNECTION_TIMEOUT = 3  # an unreachable broker is noticed in seconds
# A task not acknowledged after this long is handed to another worker (Redis): longer than the
# longest task, which its time limit bounds.
BANNETTE_TASK_TIME_LIMIT = env_int("BANNETTE_TASK_TIME_LIMIT", 1500, minimum=60)
CELERY_TASK_TIME_LIMIT = BANNETTE_TASK_TIME_LIMIT
CELERY_TASK_SOFT_TIME_LIMIT = BANNETTE_TASK_TIME_LIMIT - 30
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": BANNETTE_TASK_TIME_LIMIT + 300}
BANNETTE_CAPTURE_STALE_SECONDS = env_int("BANNETTE_CAPTURE_STALE_SECONDS", 600, minimum=10)
BANNETTE_CAPTURE_REQUEUE_SECONDS = env_int("BANNETTE_CAPTURE_REQUEUE_SECONDS", 300, minimum=10)
# Without a broker, capture runs in a thread of the web process, one input after another, so
# that an upload or a citizen's form answers at once (0: in the request, as the tests do).
BANNETTE_CAPTURE_IN_BACKGROUND = env_bool("BANNETTE_CAPTURE_IN_BACKGROUND", True)
BANNETTE_CAPTURE_MAX_ATTEMPTS = env_int("BANNETTE_CAPTURE_MAX_ATTEMPTS", 3, minimum=1)
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TIMEZONE = TIME_ZONE
CELERY_BEAT_SCHEDULE: dict[str, dict[str, str | float]] = {
    "sweep-capture-inputs": {
        "task": "capture.tasks.sweep_capture_inputs",
        "schedule": 60.0,
    },
    "chain-journal": {  # a safety net: each change links its own event once committed
        "task": "courrier.tasks.chain_journal_task",
        "schedule": 60.0,
    },
    "seal-journal-hourly": {  # seals only when events were written since the last seal
        "task": "courrier.tasks.seal_journal_task",
        "schedule": 3600.0,
    },
    "verify-journal-nightly": {
        "task": "courrier.tasks.verify_journal_task",
        "schedule": 24 * 3600.0,
    },
    "notification-emails": {
        "task": "notifications.tasks.send_emails",
        "schedule": 60.0,
    },
    "deadline-watch": {
        "task": "notifications.tasks.watch_deadlines",
        "schedule": 3600.0,
    },
    "daily-digest": {
        "task": "notifications.tasks.send_digests",
        "schedule": 3600.0,
    },
    "webhooks": {
        "task": "api.tasks.send_webhooks",
        "schedule": 60.0,
    },
    "anonymisation": {
        "task": "archives.tasks.anonymise_personal_data",
        "schedule": 3600.0,
    },
    "transfer-replies": {
        "task": "archives.tasks.read_transfer_replies",
        "schedule": 600.0,
    },
    "elimination-proposals": {
        "task": "archives.tasks.propose_eliminations",
        "schedule": 3600.0,
    },
    "monthly-reports": {
        "task": "stats.tasks.send_monthly_reports",
        "schedule": 3600.0,
    },
    "directory-sync": {  # does nothing without BANNETTE_LDAP_URI or with BANNETTE_LDAP_SYNC_HOURS=0
        "task": "sso.tasks.sync_directory",
        "schedule": 3600.0 * max(BANNETTE_LDAP_SYNC_HOURS, 1),
    },
    "resend-acknowledgments": {
        "task": "capture.tasks.send_pending_acknowledgments",
        "schedule": 600.0,
    },
    "poll-mailboxes": {
        "task": "capture.tasks.poll_mailboxes",
        "schedule": 120.0,
    },
}

# Without an SMTP server, e-mails are written to files in the data directory (embedded mode).
EMAIL_BACKEND = (
    "django.core.mail.backends.smtp.EmailBackend"
    if env_str("BANNETTE_SMTP_HOST")
    else "django.core.mail.backends.filebased.EmailBackend"
)
EMAIL_FILE_PATH = DATA_DIR / "outbox"
EMAIL_TIMEOUT = env_int("BANNETTE_SMTP_TIMEOUT", 30, minimum=1)
EMAIL_HOST = env_str("BANNETTE_SMTP_HOST", "127.0.0.1")
EMAIL_PORT = env_int("BANNETTE_SMTP_PORT", 25, minimum=1)
EMAIL_HOST_USER = env_str("BANNETTE_SMTP_USER")
EMAIL_HOST_PASSWORD = env_secret("BANNETTE_SMTP_PASSWORD")
EMAIL_USE_TLS = env_bool("BANNETTE_SMTP_STARTTLS", False)
DEFAULT_FROM_EMAIL = env_str("BANNETTE_FROM_EMAIL", "courrier@localhost")

# Domain settings.
BANNETTE_ORGANISATION_NAME = env_str("BANNETTE_ORGANISATION_NAME", "Mairie de Villedieu")
# The article a sentence starts the name with (« La mairie de Villedieu a bien reçu… »):
# « La », « Le », « L' », « Les », or empty for a name that takes none.
BANNETTE_ORGANISATION_ARTICLE = env_str("BANNETTE_ORGANISATION_ARTICLE", "La")
# The organisation's logo in the header (a PNG, JPEG, WebP or SVG file) and its colour.
BANNETTE_ORGANISATION_LOGO = env_str("BANNETTE_ORGANISATION_LOGO")
BANNETTE_BRAND_COLOUR = env_colour("BANNETTE_BRAND_COLOUR", "#124e8c")
BANNETTE_CHRONO_PREFIX = env_str("BANNETTE_CHRONO_PREFIX", "VDL")
BANNETTE_CHRONO_PATTERN = env_str(
    "BANNETTE_CHRONO_PATTERN", "{prefix}/{year}/{category}/{counter:06d}"
)
BANNETTE_PAGE_SIZE = env_int("BANNETTE_PAGE_SIZE", 25, minimum=5)
# Capture's suggestions pre-fill the qualification form from this confidence (percent) up;
# below it they are only offered as a hint beside the empty field.
BANNETTE_SUGGESTION_MIN_CONFIDENCE = env_int("BANNETTE_SUGGESTION_MIN_CONFIDENCE", 60, minimum=0)
BANNETTE_DUE_SOON_DAYS = env_int("BANNETTE_DUE_SOON_DAYS", 3, minimum=0)
# Alsace-Moselle local law: Good Friday and 26 December are public holidays too.
BANNETTE_ALSACE_MOSELLE = env_bool("BANNETTE_ALSACE_MOSELLE", False)
# Notification e-mails leave from a thread of the web process when there is no broker.
BANNETTE_NOTIFY_IN_BACKGROUND = env_bool("BANNETTE_NOTIFY_IN_BACKGROUND", True)
# Every page asks this often whether new notifications came (the bell's count).
BANNETTE_BELL_POLL_SECONDS = env_int("BANNETTE_BELL_POLL_SECONDS", 30, minimum=1)
# The daily digest leaves at the first run of its hourly job from this local hour.
BANNETTE_DIGEST_HOUR = env_int("BANNETTE_DIGEST_HOUR", 7, minimum=0)
BANNETTE_CLOSE_REQUIRES_NOTE = env_bool("BANNETTE_CLOSE_REQUIRES_NOTE", False)
BANNETTE_LOCK_MINUTES = env_int("BANNETTE_LOCK_MINUTES", 30, minimum=1)
BANNETTE_LOCK_POLL_SECONDS = env_int("BANNETTE_LOCK_POLL_SECONDS", 10, minimum=1)
BANNETTE_CONVERSION_TIMEOUT = env_int("BANNETTE_CONVERSION_TIMEOUT", 120, minimum=5)
# A long-lived LibreOffice per worker (unoserver, installed by ./dev setup in .venv-office);
# empty: LibreOffice started for each conversion.
BANNETTE_UNOSERVER = env_str(
    "BANNETTE_UNOSERVER", str(BASE_DIR / ".venv-office" / "bin" / "unoserver")
)
BANNETTE_TSA_URL = env_str("BANNETTE_TSA_URL")
# Copies of the journal seals: put this folder on storage the database administrator does not
# control (another server's share, write-once storage).
BANNETTE_SEAL_DIR = Path(env_str("BANNETTE_SEAL_DIR", str(DATA_DIR / "seals")))
# Each new journal seal is also e-mailed to the archivists (a copy in their own mailboxes).
BANNETTE_SEAL_EMAIL_ARCHIVISTS = env_bool("BANNETTE_SEAL_EMAIL_ARCHIVISTS", False)
BANNETTE_TSA_TIMEOUT = env_int("BANNETTE_TSA_TIMEOUT", 10, minimum=1)
BANNETTE_TRUST_ROOTS_FILE = env_str("BANNETTE_TRUST_ROOTS_FILE")
# The official SEDA schemas (folders 2.1 and 2.2 of the SIAF's seda repository): archival
# transfer manifests are validated against them before they leave.
BANNETTE_SEDA_SCHEMAS_DIR = Path(
    env_str("BANNETTE_SEDA_SCHEMAS_DIR", str(BASE_DIR.parent / "shared" / "seda"))
)
BANNETTE_SEAL_PKCS12_FILE = env_str("BANNETTE_SEAL_PKCS12_FILE")
BANNETTE_PARAPHEUR_OUTBOX = env_str("BANNETTE_PARAPHEUR_OUTBOX")
BANNETTE_PARAPHEUR_INBOX = env_str("BANNETTE_PARAPHEUR_INBOX")
BANNETTE_SEAL_PASSWORD = env_secret("BANNETTE_SEAL_PASSWORD")

# Capture and OCR.
os.environ.setdefault("OMP_THREAD_LIMIT", "1")  # tesseract's own threads fight over the cores
BANNETTE_OCR_LANGUAGES = env_str("BANNETTE_OCR_LANGUAGES", "fra+eng")
BANNETTE_OCR_PROCESSES = env_int("BANNETTE_OCR_PROCESSES", 0, minimum=0)  # 0: one per core
BANNETTE_OCR_TIMEOUT = env_int("BANNETTE_OCR_TIMEOUT", 180, minimum=10)
BANNETTE_FOREIGN_SEPARATORS = env_list("BANNETTE_FOREIGN_SEPARATORS", ["PATCHT"])
BANNETTE_CAPTURE_MAX_BYTES = env_int("BANNETTE_CAPTURE_MAX_BYTES", 200 * 1024 * 1024, minimum=1024)
# Anonymous requests (the citizens' form: 5 files of 10 MiB at most), checked before their body
# is read; signed-in users may send 4 times BANNETTE_CAPTURE_MAX_BYTES.
BANNETTE_PUBLIC_REQUEST_MAX_BYTES = env_int(
    "BANNETTE_PUBLIC_REQUEST_MAX_BYTES", 52 * 1024 * 1024, minimum=1024
)
BANNETTE_CAPTURE_MAX_PAGES = env_int("BANNETTE_CAPTURE_MAX_PAGES", 300, minimum=1)
BANNETTE_HOTFOLDERS = env_list("BANNETTE_HOTFOLDERS", [])  # NAME=PATH[:ENTITY[:DOCTYPE]]
# The address citizens and e-mails are given (tracking links); by default where `./dev run`
# listens (BANNETTE_LISTEN).
BANNETTE_PUBLIC_URL = env_str(
    "BANNETTE_PUBLIC_URL", f"http://{env_str('BANNETTE_LISTEN', '127.0.0.1:8000')}"
).rstrip("/")
# Who answers citizens' questions about their personal data (the DPO), shown on the web form.
BANNETTE_PRIVACY_CONTACT = env_str("BANNETTE_PRIVACY_CONTACT")
# The citizen form's information notice (GDPR art. 13): who is responsible, and why the data is
# processed; empty, the organisation's name and the usual purpose are given.
BANNETTE_PRIVACY_CONTROLLER = env_str("BANNETTE_PRIVACY_CONTROLLER")
BANNETTE_PRIVACY_PURPOSE = env_str("BANNETTE_PRIVACY_PURPOSE")
BANNETTE_WEBFORM_RATE_PER_HOUR = env_int("BANNETTE_WEBFORM_RATE_PER_HOUR", 5, minimum=1)
BANNETTE_HOTFOLDER_STABLE_SECONDS = env_int("BANNETTE_HOTFOLDER_STABLE_SECONDS", 2, minimum=0)

# Search.
BANNETTE_SEARCH_BACKEND = env_choice("BANNETTE_SEARCH_BACKEND", "whoosh", {"whoosh", "postgres"})
BANNETTE_INDEX_DIR = Path(env_str("BANNETTE_INDEX_DIR", str(DATA_DIR / "index")))
BANNETTE_INDEX_LOCK_TIMEOUT = env_int("BANNETTE_INDEX_LOCK_TIMEOUT", 60, minimum=1)
# PostgreSQL search: counts stop here, relevance ranks this many most recent matches.
BANNETTE_SEARCH_COUNT_LIMIT = env_int("BANNETTE_SEARCH_COUNT_LIMIT", 1000, minimum=100)
BANNETTE_SEARCH_RANK_WINDOW = env_int("BANNETTE_SEARCH_RANK_WINDOW", 1000, minimum=100)
# PostgreSQL search: a perimeter of at most this many mails is read first (see postgres_backend).
BANNETTE_SEARCH_PERIMETER_FIRST_UP_TO = env_int(
    "BANNETTE_SEARCH_PERIMETER_FIRST_UP_TO", 30_000, minimum=0
)
# PostgreSQL's work_mem for a search (hashes the perimeter's sub-queries once).
BANNETTE_SEARCH_WORK_MEM = env_str("BANNETTE_SEARCH_WORK_MEM", "16MB")

# Plain lines for people, or one JSON object per line for a log collector
# (BANNETTE_LOG_FORMAT=json); both carry the request id ("-" outside requests).
_LOG_FIELDS = "%(asctime)s %(levelname)s %(name)s %(message)s"
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {
        "request_id": {"()": "config.log.RequestId"},
        "no_traceback_below_500": {"()": "config.log.NoTracebackBelow500"},
    },
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s [%(request_id)s] %(name)s %(message)s"},
        "json": {
            "()": "pythonjsonlogger.json.JsonFormatter",
            "fmt": f"{_LOG_FIELDS} %(request_id)s",
            "rename_fields": {"asctime": "time", "levelname": "level"},
        },
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": env_choice("BANNETTE_LOG_FORMAT", "plain", {"plain", "json"}),
            "filters": ["request_id"],
        }
    },
    "root": {"handlers": ["console"], "level": env_str("BANNETTE_LOG_LEVEL", "INFO")},
    "loggers": {
        "django.request": {"filters": ["no_traceback_below_500"]},
        # One line per task run or request id is noise at INFO (load_demo printed ~2,700).
        "celery.app.trace": {"level": "WARNING"},
        "django_guid": {"level": "WARNING"},
        # A signature that does not validate is shown on the page; the library's own
        # account of it is a traceback per view.
        "pyhanko": {"level": "ERROR"},
        "pyhanko_certvalidator": {"level": "ERROR"},
    },
}

# The REST API (api/): session for the screens' own calls, personal tokens for integrations.
BANNETTE_API_RATE = env_str("BANNETTE_API_RATE", "600/minute")
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [  # the token first: refusals answer 401 and say how
        "api.auth.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": [
        "rest_framework.permissions.IsAuthenticated",
        "api.auth.TokenScopeAllows",
    ],
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_SCHEMA_CLASS": "api.schema.BannetteAutoSchema",
    "EXCEPTION_HANDLER": "api.errors.handle",
    "DEFAULT_THROTTLE_CLASSES": ["api.auth.TokenRateThrottle"],
}
SPECTACULAR_SETTINGS = {
    "TITLE": "API de Bannette",
    "DESCRIPTION": (
        "Courrier, entités et types de document, dans le périmètre de l'utilisateur ou du jeton. "
        "Authentification : session, ou en-tête « Authorization: Bearer bnt_… » d'un jeton personnel."
    ),
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SERVE_PERMISSIONS": ["rest_framework.permissions.IsAuthenticated"],
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "ENUM_NAME_OVERRIDES": {
        "DiffusionRoleEnum": "courrier.models.DiffusionRole.choices",
        "VisaStepRoleEnum": "visa.models.VisaStepRole.choices",
        "SendChannelEnum": "api.letters.SEND_CHANNELS",
        "ChannelEnum": "courrier.models.Channel.choices",
    },
}
