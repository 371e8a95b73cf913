"""Configuration: every setting read from the environment in one typed place (`Settings`,
pydantic-settings), with an embedded default that lets the site run on one machine with
nothing installed. A bad value stops the start with the variable's name
(`ConfigError`); production also refuses settings only fit for a laptop
(`ProductionConfig.check`). The README's configuration table lists every variable, and a
test fails on a documented variable that is not read here.

To add a setting: a field of `Settings` (its type parses and checks the value), the
attribute of `Config` that carries it into `app.config`, and its row in the README."""

from __future__ import annotations

import os
from collections.abc import Mapping, MutableMapping
from datetime import timedelta
from pathlib import Path
from typing import Literal
from urllib.parse import urlsplit

from pydantic import Field, ValidationError, ValidationInfo, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

BASE_DIR = Path(__file__).resolve().parent
# a checkout keeps its data in its own instance/; an installed site (no templates beside
# this file) in the instance/ of the folder it is started from
INSTANCE_DIR = (BASE_DIR if (BASE_DIR / "templates").is_dir() else Path.cwd()) / "instance"
DEFAULT_SECRET_KEY = "dev-only-not-secret"  # noqa: S105 - refused in production
PLACEHOLDER_OCDS_PREFIX = "ocds-fcm000"  # refused in production: register a prefix of ours


class ConfigError(ValueError):
    """A setting with a value that cannot be used; the message names the variable."""


class Settings(BaseSettings):
    """The environment, parsed: numbers are numbers, booleans accept
    `1/0, true/false, yes/no, on/off` (any case), an empty variable means the default."""

    model_config = SettingsConfigDict(case_sensitive=True, extra="ignore",
                                      env_ignore_empty=True, frozen=True)

    MARKETPLACE_ENV: Literal["development", "production", "testing"] = "development"
    SECRET_KEY: str = DEFAULT_SECRET_KEY
    FLASK_DEBUG: bool = False
    DATABASE_URL: str = f"sqlite:///{INSTANCE_DIR / 'marketplace.sqlite3'}"
    TEST_DATABASE_URL: str = "sqlite://"
    PUBLIC_BASE_URL: str = ""
    TRUSTED_PROXIES: int = Field(0, ge=0, le=10)
    # the header in which the nearest trusted proxy writes when it received the request
    # (nginx: proxy_set_header X-Request-Start "t=${msec}"); empty: not read
    REQUEST_START_HEADER: str = Field("", pattern=r"^[A-Za-z0-9-]*$")
    TRUSTED_HOSTS: str = ""  # comma-separated; production: the host of PUBLIC_BASE_URL

    UPLOAD_DIR: str = str(INSTANCE_DIR / "uploads")
    STORAGE_BACKEND: Literal["local", "s3"] = "local"
    S3_BUCKET: str = ""
    S3_PREFIX: str = ""
    S3_ENDPOINT_URL: str = ""
    S3_REGION: str = ""
    S3_ACCESS_KEY_ID: str = ""
    S3_SECRET_ACCESS_KEY: str = ""
    MAX_UPLOAD_BYTES: int = Field(20 * 1024 * 1024, gt=0)
    MAX_SUBMISSION_BYTES: int = Field(100 * 1024 * 1024, gt=0)
    MAX_CONTENT_LENGTH: int = Field(110 * 1024 * 1024, gt=0)

    # the search engine: "whoosh" (a folder of this host) or "postgresql" (the database)
    SEARCH_BACKEND: Literal["whoosh", "postgresql"] = "whoosh"
    SEARCH_INDEX_DIR: str = str(INSTANCE_DIR / "search-index")
    SEARCH_LOCK_TIMEOUT: float = Field(0.5, ge=0)
    SEARCH_POSTINGS_CACHE: int = Field(2_000_000, ge=0)
    SEARCH_CANDIDATES: int = Field(500, ge=20, le=100_000)
    SEARCH_REBUILD_PROCS: int = Field(0, ge=0)  # 0: min(2, CPUs)
    SEARCH_REBUILD_MEMORY_MB: int = Field(256, gt=0)

    STRIPE_SECRET_KEY: str = ""
    STRIPE_WEBHOOK_SECRET: str = ""
    STRIPE_API_BASE: str = ""
    SIGNATURE_TRUST_LIST: str = ""  # CA certificates (a PEM file or a folder, with CRLs)
    SIGNATURE_FETCH_REVOCATION: bool = False
    SIGNATURE_TIMESTAMP_URL: str = ""  # an RFC 3161 time-stamping authority (http/https)
    OCDS_PREFIX: str = Field(PLACEHOLDER_OCDS_PREFIX, pattern=r"^ocds-[a-z0-9]{6}$")
    # issue 16: the licence of the open data (a URL, stated in every OCDS package and on
    # /opendata/) and where the worker writes the bulk files
    OPENDATA_LICENSE: str = Field("https://creativecommons.org/licenses/by/4.0/",
                                  pattern=r"^https://\S+$")
    OPENDATA_DIR: str = str(INSTANCE_DIR / "opendata")
    # issue 19: the standstill after an award and the agency's time to answer a complaint,
    # in Viet Nam's working days
    STANDSTILL_WORKING_DAYS: int = Field(5, ge=0, le=60)
    COMPLAINT_ANSWER_WORKING_DAYS: int = Field(5, ge=1, le=60)
    # issue 18: the thresholds of the red flags (marketplace/scorecards/flags.py), in
    # calendar days, counts and percent; the worker recomputes the flags with them
    FLAG_MIN_SUBMISSION_DAYS: int = Field(14, ge=1, le=365)
    FLAG_CEILING_MARGIN_PERCENT: float = Field(2.0, ge=0, le=50)
    FLAG_MAX_AMENDMENTS: int = Field(3, ge=0, le=100)
    FLAG_LATE_AMENDMENT_DAYS: int = Field(3, ge=0, le=60)
    FLAG_UNPAID_DAYS: int = Field(30, ge=1, le=365)
    FLAG_UNDECIDED_DAYS: int = Field(30, ge=1, le=365)
    FLAG_STALLED_DAYS: int = Field(90, ge=1, le=3650)
    FLAG_REPEAT_WINS: int = Field(3, ge=2, le=100)
    FLAG_REPEAT_WINDOW_DAYS: int = Field(730, ge=1, le=3650)
    # sign-in with a national identity provider (OpenID Connect, marketplace/accounts/oidc.py);
    # off while the issuer is unset; the app refuses to start when it is half configured
    OIDC_ISSUER: str = ""
    OIDC_CLIENT_ID: str = ""
    OIDC_CLIENT_SECRET: str = ""
    OIDC_DISPLAY_NAME: str = ""  # e.g. VNeID

    MAIL_BACKEND: Literal["console", "smtp", "memory"] = "console"
    MAIL_SERVER: str = ""
    MAIL_PORT: int = Field(25, ge=1, le=65535)
    MAIL_USERNAME: str = ""
    MAIL_PASSWORD: str = ""
    MAIL_USE_TLS: bool = False
    MAIL_DEFAULT_SENDER: str = "no-reply@marketplace.local"
    MAIL_SEND_AFTER_REQUEST: bool = True
    MAIL_USE_SSL: bool = False  # SMTPS (port 465)
    MAIL_TIMEOUT: int = Field(20, gt=0)  # seconds per SMTP operation, in the worker
    # PEM bundle of the authorities trusted for the mail server's certificate (STARTTLS and
    # SMTPS both verify it); "": the system's store
    MAIL_SSL_CAFILE: str = ""

    # marketplace/jobs.py: the worker's queue (Huey): "sqlite:///path" (the embedded
    # default, a file under instance/), "redis://…" in production, or "memory://"
    JOBS_URL: str = f"sqlite:///{INSTANCE_DIR / 'jobs.sqlite3'}"
    JOBS_IMMEDIATE: bool = False  # run jobs in the caller
    JOBS_WORKERS: int = Field(2, gt=0)  # threads of `flask worker`
    # files no row references are removed by `flask files sweep` once older than this
    FILES_SWEEP_GRACE: int = Field(3600, ge=0)  # seconds
    LOG_FORMAT: Literal["", "text", "json"] = ""  # marketplace/logs.py; "": json in production
    LOG_LEVEL: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    METRICS_ENABLED: bool = False  # GET /metrics (Prometheus)
    # /readyz: not ready when the oldest due outbox mail waits longer than this (seconds)
    READY_OUTBOX_MAX_AGE: int = Field(900, gt=0)

    RATELIMIT_STORAGE_URI: str = "memory://"
    LOGIN_LIMIT_PER_ACCOUNT: str = "5 per 15 minutes"
    LOGIN_LIMIT_PER_ADDRESS: str = "20 per 15 minutes"
    # the JSON API and the open-data files, per address (marketplace/conditional.py)
    API_RATE_LIMIT: str = "300 per minute"
    # citizens' feedback on a pilot (issue 18): ratings recorded per address and per
    # pilot; the index is shown once this many ratings stand behind it
    CITIZEN_FEEDBACK_LIMIT_PER_ADDRESS: str = "10 per hour"
    CITIZEN_FEEDBACK_LIMIT_PER_PILOT: str = "300 per hour"
    CITIZEN_RATINGS_MIN: int = Field(5, ge=1)
    # alerts (issue 18): visitors' follow requests per address (each mails a confirmation
    # link), and the days that link works
    ALERTS_FOLLOW_LIMIT_PER_ADDRESS: str = "10 per hour"
    ALERTS_CONFIRM_MAX_AGE_DAYS: int = Field(7, gt=0)
    PASSWORD_RESET_MAX_AGE: int = Field(3600, gt=0)  # seconds
    INVITATION_MAX_AGE_DAYS: int = Field(14, gt=0)

    CACHE_URL: str = ""
    REDIS_URL: str = ""
    CACHE_BACKEND: Literal["", "simple", "redis", "null"] = ""  # "": redis with a URL
    CACHE_MAX_ENTRIES: int = Field(1024, gt=0)
    CACHE_PAGE_TTL: int = Field(30, ge=0)  # whole anonymous pages: clock bound
    CACHE_VERSION_TTL: int = Field(1, ge=0)  # a process keeps the data version
    CACHE_DATA_TTL: int = Field(300, ge=0)  # figures keyed by the data version

    @field_validator("PUBLIC_BASE_URL")
    @classmethod
    def _absolute_url(cls, value: str) -> str:
        value = value.strip().rstrip("/")
        if value:
            parts = urlsplit(value)
            if parts.scheme not in ("http", "https") or not parts.netloc or parts.query:
                raise ValueError("an absolute http(s) URL such as https://example.gov.vn")
        return value

    @field_validator("MAIL_SSL_CAFILE")
    @classmethod
    def _readable_bundle(cls, value: str) -> str:
        if value:
            import ssl

            try:
                ssl.create_default_context(cafile=value)
            except (OSError, ssl.SSLError) as error:
                raise ValueError(f"not a readable PEM certificate bundle ({error})") from None
        return value

    @field_validator("MAIL_USE_SSL")
    @classmethod
    def _one_kind_of_tls(cls, value: bool, info: ValidationInfo) -> bool:
        if value and info.data.get("MAIL_USE_TLS"):
            raise ValueError("excludes MAIL_USE_TLS (SMTPS or STARTTLS, not both): set one")
        return value

    @field_validator("LOGIN_LIMIT_PER_ACCOUNT", "LOGIN_LIMIT_PER_ADDRESS",
                     "CITIZEN_FEEDBACK_LIMIT_PER_ADDRESS", "CITIZEN_FEEDBACK_LIMIT_PER_PILOT",
                     "ALERTS_FOLLOW_LIMIT_PER_ADDRESS")
    @classmethod
    def _rate_limit(cls, value: str) -> str:
        from limits import parse_many

        parse_many(value)  # ValueError with the reason
        return value


def read_settings(environ: Mapping[str, str] | None = None) -> Settings:
    """The settings from `environ` (default: the process environment). Raises
    ConfigError naming every variable whose value is refused, with the reason."""
    source = os.environ if environ is None else environ
    names = Settings.model_fields
    try:
        return Settings.model_validate(
            {k: v for k, v in source.items() if k in names and v != ""}) \
            if environ is not None else Settings()
    except ValidationError as error:
        problems = []
        for item in error.errors():
            name = str(item["loc"][0]) if item["loc"] else "?"
            value = source.get(name, "")
            if any(secret in name for secret in ("SECRET", "PASSWORD", "KEY")):
                value = "…"  # never a secret in a log
            problems.append(f"{name}={value!r}: {item['msg']}")
        raise ConfigError("Bad configuration: " + "; ".join(problems)) from None


SETTINGS = read_settings()


class Config:
    SECRET_KEY = SETTINGS.SECRET_KEY
    SQLALCHEMY_DATABASE_URI = SETTINGS.DATABASE_URL
    SQLALCHEMY_ENGINE_OPTIONS: dict = {}
    PUBLIC_BASE_URL = SETTINGS.PUBLIC_BASE_URL  # absolute links in mail
    TRUSTED_PROXIES = SETTINGS.TRUSTED_PROXIES  # reverse proxies whose X-Forwarded-* count
    REQUEST_START_HEADER = SETTINGS.REQUEST_START_HEADER  # with TRUSTED_PROXIES only
    # the host names this site answers to (Flask ≥ 3.1; None: any, outside production)
    TRUSTED_HOSTS = [h.strip() for h in SETTINGS.TRUSTED_HOSTS.split(",") if h.strip()] or None
    UPLOAD_DIR = SETTINGS.UPLOAD_DIR
    SEARCH_BACKEND = SETTINGS.SEARCH_BACKEND
    SEARCH_INDEX_DIR = SETTINGS.SEARCH_INDEX_DIR
    SEARCH_LOCK_TIMEOUT = SETTINGS.SEARCH_LOCK_TIMEOUT
    # entries of each plain-word search cache per worker (postings 8 bytes, word scores 16)
    SEARCH_POSTINGS_CACHE = SETTINGS.SEARCH_POSTINGS_CACHE
    # PostgreSQL engine: matches counted, faceted and ranked per search (beyond: "more than")
    SEARCH_CANDIDATES = SETTINGS.SEARCH_CANDIDATES
    SEARCH_REBUILD_PROCS = SETTINGS.SEARCH_REBUILD_PROCS  # 0: min(2, CPUs)
    SEARCH_REBUILD_MEMORY_MB = SETTINGS.SEARCH_REBUILD_MEMORY_MB  # per writer process
    STORAGE_BACKEND = SETTINGS.STORAGE_BACKEND
    S3_BUCKET = SETTINGS.S3_BUCKET
    S3_PREFIX = SETTINGS.S3_PREFIX
    S3_ENDPOINT_URL = SETTINGS.S3_ENDPOINT_URL
    S3_REGION = SETTINGS.S3_REGION
    S3_ACCESS_KEY_ID = SETTINGS.S3_ACCESS_KEY_ID
    S3_SECRET_ACCESS_KEY = SETTINGS.S3_SECRET_ACCESS_KEY
    MAX_UPLOAD_BYTES = SETTINGS.MAX_UPLOAD_BYTES
    MAX_SUBMISSION_BYTES = SETTINGS.MAX_SUBMISSION_BYTES
    MAX_CONTENT_LENGTH = SETTINGS.MAX_CONTENT_LENGTH

    STRIPE_SECRET_KEY = SETTINGS.STRIPE_SECRET_KEY
    STRIPE_WEBHOOK_SECRET = SETTINGS.STRIPE_WEBHOOK_SECRET
    STRIPE_API_BASE = SETTINGS.STRIPE_API_BASE
    # digital signatures on the contract PDF: the trust list (empty: typed names only)
    SIGNATURE_TRUST_LIST = SETTINGS.SIGNATURE_TRUST_LIST
    SIGNATURE_FETCH_REVOCATION = SETTINGS.SIGNATURE_FETCH_REVOCATION
    SIGNATURE_TIMESTAMP_URL = SETTINGS.SIGNATURE_TIMESTAMP_URL
    OCDS_PREFIX = SETTINGS.OCDS_PREFIX
    OPENDATA_LICENSE = SETTINGS.OPENDATA_LICENSE
    OPENDATA_DIR = SETTINGS.OPENDATA_DIR
    STANDSTILL_WORKING_DAYS = SETTINGS.STANDSTILL_WORKING_DAYS
    COMPLAINT_ANSWER_WORKING_DAYS = SETTINGS.COMPLAINT_ANSWER_WORKING_DAYS
    FLAG_MIN_SUBMISSION_DAYS = SETTINGS.FLAG_MIN_SUBMISSION_DAYS
    FLAG_CEILING_MARGIN_PERCENT = SETTINGS.FLAG_CEILING_MARGIN_PERCENT
    FLAG_MAX_AMENDMENTS = SETTINGS.FLAG_MAX_AMENDMENTS
    FLAG_LATE_AMENDMENT_DAYS = SETTINGS.FLAG_LATE_AMENDMENT_DAYS
    FLAG_UNPAID_DAYS = SETTINGS.FLAG_UNPAID_DAYS
    FLAG_UNDECIDED_DAYS = SETTINGS.FLAG_UNDECIDED_DAYS
    FLAG_STALLED_DAYS = SETTINGS.FLAG_STALLED_DAYS
    FLAG_REPEAT_WINS = SETTINGS.FLAG_REPEAT_WINS
    FLAG_REPEAT_WINDOW_DAYS = SETTINGS.FLAG_REPEAT_WINDOW_DAYS
    OIDC_ISSUER = SETTINGS.OIDC_ISSUER
    OIDC_CLIENT_ID = SETTINGS.OIDC_CLIENT_ID
    OIDC_CLIENT_SECRET = SETTINGS.OIDC_CLIENT_SECRET
    OIDC_DISPLAY_NAME = SETTINGS.OIDC_DISPLAY_NAME

    MAIL_BACKEND = SETTINGS.MAIL_BACKEND
    MAIL_SERVER = SETTINGS.MAIL_SERVER
    MAIL_PORT = SETTINGS.MAIL_PORT
    MAIL_USERNAME = SETTINGS.MAIL_USERNAME
    MAIL_PASSWORD = SETTINGS.MAIL_PASSWORD
    MAIL_USE_TLS = SETTINGS.MAIL_USE_TLS
    MAIL_DEFAULT_SENDER = SETTINGS.MAIL_DEFAULT_SENDER
    MAIL_SEND_AFTER_REQUEST = SETTINGS.MAIL_SEND_AFTER_REQUEST
    MAIL_USE_SSL = SETTINGS.MAIL_USE_SSL
    MAIL_TIMEOUT = SETTINGS.MAIL_TIMEOUT
    MAIL_SSL_CAFILE = SETTINGS.MAIL_SSL_CAFILE

    JOBS_URL = SETTINGS.JOBS_URL
    JOBS_IMMEDIATE = SETTINGS.JOBS_IMMEDIATE
    JOBS_WORKERS = SETTINGS.JOBS_WORKERS
    FILES_SWEEP_GRACE = SETTINGS.FILES_SWEEP_GRACE
    LOG_FORMAT = SETTINGS.LOG_FORMAT or "text"
    LOG_LEVEL = SETTINGS.LOG_LEVEL
    METRICS_ENABLED = SETTINGS.METRICS_ENABLED
    READY_OUTBOX_MAX_AGE = SETTINGS.READY_OUTBOX_MAX_AGE

    RATELIMIT_STORAGE_URI = SETTINGS.RATELIMIT_STORAGE_URI
    RATELIMIT_HEADERS_ENABLED = True
    LOGIN_LIMIT_PER_ACCOUNT = SETTINGS.LOGIN_LIMIT_PER_ACCOUNT
    LOGIN_LIMIT_PER_ADDRESS = SETTINGS.LOGIN_LIMIT_PER_ADDRESS
    API_RATE_LIMIT = SETTINGS.API_RATE_LIMIT
    CITIZEN_FEEDBACK_LIMIT_PER_ADDRESS = SETTINGS.CITIZEN_FEEDBACK_LIMIT_PER_ADDRESS
    CITIZEN_FEEDBACK_LIMIT_PER_PILOT = SETTINGS.CITIZEN_FEEDBACK_LIMIT_PER_PILOT
    CITIZEN_RATINGS_MIN = SETTINGS.CITIZEN_RATINGS_MIN
    ALERTS_FOLLOW_LIMIT_PER_ADDRESS = SETTINGS.ALERTS_FOLLOW_LIMIT_PER_ADDRESS
    ALERTS_CONFIRM_MAX_AGE_DAYS = SETTINGS.ALERTS_CONFIRM_MAX_AGE_DAYS

    BABEL_DEFAULT_LOCALE = "vi"
    BABEL_DEFAULT_TIMEZONE = "Asia/Ho_Chi_Minh"
    LANGUAGES = ("vi", "en")

    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = False
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"
    PERMANENT_SESSION_LIFETIME = timedelta(hours=12)
    PASSWORD_RESET_MAX_AGE = SETTINGS.PASSWORD_RESET_MAX_AGE
    INVITATION_MAX_AGE_DAYS = SETTINGS.INVITATION_MAX_AGE_DAYS
    HSTS = False

    # marketplace/cache.py: "simple" (in-process LRU), "redis" (CACHE_URL) or "null"
    CACHE_URL = SETTINGS.CACHE_URL or SETTINGS.REDIS_URL
    CACHE_BACKEND = SETTINGS.CACHE_BACKEND or ("redis" if CACHE_URL else "simple")
    CACHE_MAX_ENTRIES = SETTINGS.CACHE_MAX_ENTRIES
    CACHE_PAGE_TTL = SETTINGS.CACHE_PAGE_TTL
    CACHE_VERSION_TTL = SETTINGS.CACHE_VERSION_TTL
    CACHE_DATA_TTL = SETTINGS.CACHE_DATA_TTL

    BOOTSTRAP_SERVE_LOCAL = True
    WTF_CSRF_TIME_LIMIT = None
    DEBUG = False
    TESTING = False


class DevelopmentConfig(Config):
    DEBUG = SETTINGS.FLASK_DEBUG
    # links in mail point to this site (web.absolute_url), never to the request's Host
    PUBLIC_BASE_URL = SETTINGS.PUBLIC_BASE_URL or "http://127.0.0.1:5000"


class TestingConfig(Config):
    TESTING = True
    SECRET_KEY = "testing-secret-key"  # noqa: S105
    SQLALCHEMY_DATABASE_URI = SETTINGS.TEST_DATABASE_URL
    RATELIMIT_STORAGE_URI = "memory://"
    MAIL_BACKEND = "memory"
    JOBS_URL = "memory://"
    JOBS_IMMEDIATE = True  # a job runs when it is queued: tests stay deterministic
    PASSWORD_HASH_FAST = True
    CACHE_BACKEND = "null"  # a test that needs a cache enables one
    PUBLIC_BASE_URL = "http://localhost"  # the test client's host


class ProductionConfig(Config):
    LOG_FORMAT = SETTINGS.LOG_FORMAT or "json"
    SESSION_COOKIE_SECURE = True
    REMEMBER_COOKIE_SECURE = True
    HSTS = True

    @classmethod
    def check(cls, settings: Mapping) -> None:
        """Refuse to start with settings that are only fit for a laptop. Raises
        RuntimeError naming the variable to set."""
        if settings.get("SECRET_KEY") in (None, "", DEFAULT_SECRET_KEY):
            raise RuntimeError("Production needs a SECRET_KEY of its own (set SECRET_KEY).")
        if settings.get("DEBUG"):
            raise RuntimeError("Production refuses to run with DEBUG on.")
        if settings.get("MAIL_BACKEND") == "console" and not settings.get("MAIL_SERVER"):
            raise RuntimeError("Production does not print mail to the console: set "
                               "MAIL_BACKEND=smtp and MAIL_SERVER.")
        if str(settings.get("RATELIMIT_STORAGE_URI", "")).startswith("memory://"):
            raise RuntimeError("Production needs login limits shared by every worker: set "
                               "RATELIMIT_STORAGE_URI (e.g. redis://127.0.0.1:6379/0).")
        if settings.get("OCDS_PREFIX") in (None, "", PLACEHOLDER_OCDS_PREFIX):
            raise RuntimeError(f"Production needs the OCDS prefix registered for this site, "
                               f"not the placeholder {PLACEHOLDER_OCDS_PREFIX} (set "
                               f"OCDS_PREFIX).")
        if not settings.get("PUBLIC_BASE_URL"):
            raise RuntimeError("Production needs PUBLIC_BASE_URL (e.g. https://example.gov.vn) "
                               "for the links in mail.")
        if not settings.get("TRUSTED_HOSTS") and isinstance(settings, MutableMapping):
            # requests for any other host are refused (400): nothing is built for, or
            # cached under, a host the sender of a request chose (issue 14)
            settings["TRUSTED_HOSTS"] = [urlsplit(settings["PUBLIC_BASE_URL"]).hostname]


CONFIGS = {
    "development": DevelopmentConfig,
    "testing": TestingConfig,
    "production": ProductionConfig,
}
