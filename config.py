"""Configuration classes. Every setting reads the environment, with an embedded default
that lets the site run on one machine with nothing installed."""

import os
from datetime import timedelta
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent
INSTANCE_DIR = BASE_DIR / "instance"
DEFAULT_SECRET_KEY = "dev-only-not-secret"  # noqa: S105 - refused in production


def _env_int(name: str, default: int) -> int:
    return int(os.environ.get(name, default))


class Config:
    SECRET_KEY = os.environ.get("SECRET_KEY", DEFAULT_SECRET_KEY)
    SQLALCHEMY_DATABASE_URI = os.environ.get(
        "DATABASE_URL", f"sqlite:///{INSTANCE_DIR / 'marketplace.sqlite3'}"
    )
    SQLALCHEMY_ENGINE_OPTIONS: dict = {}
    UPLOAD_DIR = os.environ.get("UPLOAD_DIR", str(INSTANCE_DIR / "uploads"))
    SEARCH_INDEX_DIR = os.environ.get("SEARCH_INDEX_DIR", str(INSTANCE_DIR / "search-index"))
    # entries of each plain-word search cache per worker (postings 8 bytes, word scores 16)
    SEARCH_POSTINGS_CACHE = _env_int("SEARCH_POSTINGS_CACHE", 2_000_000)
    SEARCH_REBUILD_PROCS = _env_int("SEARCH_REBUILD_PROCS", 0)  # 0: min(2, CPUs)
    SEARCH_REBUILD_MEMORY_MB = _env_int("SEARCH_REBUILD_MEMORY_MB", 256)  # per writer process
    STORAGE_BACKEND = os.environ.get("STORAGE_BACKEND", "local")
    MAX_UPLOAD_BYTES = _env_int("MAX_UPLOAD_BYTES", 20 * 1024 * 1024)
    MAX_SUBMISSION_BYTES = _env_int("MAX_SUBMISSION_BYTES", 100 * 1024 * 1024)
    MAX_CONTENT_LENGTH = _env_int("MAX_CONTENT_LENGTH", 110 * 1024 * 1024)

    STRIPE_SECRET_KEY = os.environ.get("STRIPE_SECRET_KEY", "")
    STRIPE_WEBHOOK_SECRET = os.environ.get("STRIPE_WEBHOOK_SECRET", "")
    STRIPE_API_BASE = os.environ.get("STRIPE_API_BASE", "")
    OCDS_PREFIX = os.environ.get("OCDS_PREFIX", "ocds-fcm000")

    MAIL_BACKEND = os.environ.get("MAIL_BACKEND", "console")
    MAIL_SERVER = os.environ.get("MAIL_SERVER", "")
    MAIL_PORT = _env_int("MAIL_PORT", 25)
    MAIL_USERNAME = os.environ.get("MAIL_USERNAME", "")
    MAIL_PASSWORD = os.environ.get("MAIL_PASSWORD", "")
    MAIL_USE_TLS = os.environ.get("MAIL_USE_TLS", "") == "1"
    MAIL_DEFAULT_SENDER = os.environ.get("MAIL_DEFAULT_SENDER", "no-reply@marketplace.local")
    MAIL_USE_SSL = os.environ.get("MAIL_USE_SSL", "") == "1"  # SMTPS (port 465)
    MAIL_TIMEOUT = _env_int("MAIL_TIMEOUT", 20)  # seconds per SMTP operation, in the worker

    # marketplace/jobs.py: the worker's queue (Huey): "sqlite:///path" (the embedded
    # default, a file under instance/), "redis://…" in production, or "memory://"
    JOBS_URL = os.environ.get("JOBS_URL", f"sqlite:///{INSTANCE_DIR / 'jobs.sqlite3'}")
    JOBS_IMMEDIATE = os.environ.get("JOBS_IMMEDIATE", "") == "1"  # run jobs in the caller
    JOBS_WORKERS = _env_int("JOBS_WORKERS", 2)  # threads of `flask worker`
    # files no row references are removed by `flask files sweep` once older than this
    FILES_SWEEP_GRACE = _env_int("FILES_SWEEP_GRACE", 3600)  # seconds

    RATELIMIT_STORAGE_URI = os.environ.get("RATELIMIT_STORAGE_URI", "memory://")
    RATELIMIT_HEADERS_ENABLED = True
    LOGIN_LIMIT_PER_ACCOUNT = os.environ.get("LOGIN_LIMIT_PER_ACCOUNT", "5 per 15 minutes")
    LOGIN_LIMIT_PER_ADDRESS = os.environ.get("LOGIN_LIMIT_PER_ADDRESS", "20 per 15 minutes")
    # reverse proxies in front of the app whose X-Forwarded-For/-Proto are trusted (0: none)
    TRUSTED_PROXIES = _env_int("TRUSTED_PROXIES", 0)

    BABEL_DEFAULT_LOCALE = "vi"
    BABEL_DEFAULT_TIMEZONE = "Asia/Ho_Chi_Minh"
    LANGUAGES = ("vi", "en")

    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = False
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"
    PERMANENT_SESSION_LIFETIME = timedelta(hours=12)
    PASSWORD_RESET_MAX_AGE = _env_int("PASSWORD_RESET_MAX_AGE", 3600)
    INVITATION_MAX_AGE_DAYS = _env_int("INVITATION_MAX_AGE_DAYS", 14)
    HSTS = False

    # marketplace/cache.py: "simple" (in-process LRU), "redis" (CACHE_URL) or "null"
    CACHE_URL = os.environ.get("CACHE_URL") or os.environ.get("REDIS_URL", "")
    CACHE_BACKEND = os.environ.get("CACHE_BACKEND") or ("redis" if CACHE_URL else "simple")
    CACHE_MAX_ENTRIES = _env_int("CACHE_MAX_ENTRIES", 1024)
    CACHE_PAGE_TTL = _env_int("CACHE_PAGE_TTL", 30)  # whole anonymous pages: clock bound
    CACHE_VERSION_TTL = _env_int("CACHE_VERSION_TTL", 1)  # a process keeps the data version
    CACHE_DATA_TTL = _env_int("CACHE_DATA_TTL", 300)  # figures keyed by the data version
    # figures slower than this (seconds) are recomputed after the response, the previous
    # ones shown meanwhile (marketplace.cache.memoize_latest)
    CACHE_REFRESH_AFTER = float(os.environ.get("CACHE_REFRESH_AFTER", "0.5"))

    BOOTSTRAP_SERVE_LOCAL = True
    WTF_CSRF_TIME_LIMIT = None
    DEBUG = False
    TESTING = False


class DevelopmentConfig(Config):
    DEBUG = os.environ.get("FLASK_DEBUG", "") == "1"


class TestingConfig(Config):
    TESTING = True
    SECRET_KEY = "testing-secret-key"  # noqa: S105
    SQLALCHEMY_DATABASE_URI = os.environ.get("TEST_DATABASE_URL", "sqlite://")
    RATELIMIT_STORAGE_URI = "memory://"
    MAIL_BACKEND = "memory"
    JOBS_URL = "memory://"
    JOBS_IMMEDIATE = True  # a job runs when it is queued: tests stay deterministic
    PASSWORD_HASH_FAST = True
    CACHE_BACKEND = "null"  # a test that needs a cache enables one


class ProductionConfig(Config):
    SESSION_COOKIE_SECURE = True
    REMEMBER_COOKIE_SECURE = True
    HSTS = True

    @classmethod
    def check(cls, settings: dict) -> None:
        """Refuse to start with settings that are only fit for a laptop."""
        if settings.get("SECRET_KEY") in (None, "", DEFAULT_SECRET_KEY):
            raise RuntimeError("Production needs a SECRET_KEY of its own (set SECRET_KEY).")
        if settings.get("DEBUG"):
            raise RuntimeError("Production refuses to run with DEBUG on.")


CONFIGS = {
    "development": DevelopmentConfig,
    "testing": TestingConfig,
    "production": ProductionConfig,
}
