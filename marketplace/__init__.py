"""The First Customer Marketplace: `create_app(config)` builds the Flask application."""

from __future__ import annotations

from pathlib import Path

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

from config import CONFIGS, INSTANCE_DIR, ProductionConfig
from marketplace.requests import Request

ROOT = Path(__file__).resolve().parent.parent
# templates, static files and migrations: at the top of a checkout, or in the installed
# package, where the wheel puts them (setup.py)
SITE_DIR = ROOT if (ROOT / "templates").is_dir() else Path(__file__).resolve().parent / "_site"


class Marketplace(Flask):
    def dispatch_request(self):
        """The view; on SQLite, a reading request that found the database busy when it
        tried to write is run once more as a writer (`database.retry_as_writer`)."""
        try:
            return super().dispatch_request()
        except Exception as error:
            from marketplace.database import retry_as_writer

            if not retry_as_writer(error):
                raise
        return super().dispatch_request()


def create_app(config: str | dict | None = "development") -> Flask:
    app = Marketplace(
        __name__,
        template_folder=str(SITE_DIR / "templates"),
        static_folder=str(SITE_DIR / "static"),
        instance_path=str(INSTANCE_DIR),
    )
    app.request_class = Request  # NUL characters dropped from forms and query strings
    overrides = {}
    if isinstance(config, dict):
        overrides = config
        config = config.get("ENV_NAME", "testing")
    app.config.from_object(CONFIGS[config or "development"])
    app.config.update(overrides)
    if config == "production":
        ProductionConfig.check(app.config)
    _trust_proxies(app)

    from marketplace import (  # noqa: F401
        cache,
        database,
        i18n,
        jobs,
        logs,
        mail,
        metrics,
        models,
        params,
        security,
        templating,
    )
    from marketplace.extensions import bootstrap, csrf, db, limiter, login_manager, migrate
    from marketplace.files import storage

    params.init_app(app)  # `<int:…>` bounded to an id column, before any route is added
    logs.init_app(app)
    metrics.init_app(app)
    database.configure_engine_options(app)
    db.init_app(app)
    migrate.init_app(app, db, directory=str(SITE_DIR / "migrations"), render_as_batch=True)
    csrf.init_app(app)
    limiter.init_app(app)
    bootstrap.init_app(app)
    i18n.init_app(app)
    security.init_app(app)
    mail.init_app(app)
    jobs.init_app(app)
    templating.init_app(app)
    storage.init_app(app)
    cache.init_app(app)

    from marketplace.accounts import auth, oidc

    auth.init_app(app, login_manager)
    oidc.init_app(app)

    _register_blueprints(app)
    _register_cli(app)

    from marketplace import confirm, errors_web, form_recovery

    errors_web.init_app(app)
    form_recovery.init_app(app)
    confirm.init_app(app)
    return app


def _trust_proxies(app: Flask) -> None:
    """Behind `TRUSTED_PROXIES` reverse proxies, the client's address and scheme are the
    ones they add to X-Forwarded-For/-Proto (Werkzeug's ProxyFix, the last N entries), so
    the login limits count each real client. With 0 (the default) those headers are
    ignored: anyone can send them."""
    proxies = int(app.config.get("TRUSTED_PROXIES") or 0)
    if proxies:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies)
        header = app.config.get("REQUEST_START_HEADER") or ""
        if header:  # the time the proxy received the request: deadlines are judged at it
            from marketplace.requests import RequestStart

            app.wsgi_app = RequestStart(app.wsgi_app, header)


def _register_blueprints(app: Flask) -> None:
    from marketplace.accounts.oidc_routes import bp as oidc_bp
    from marketplace.accounts.organization_routes import bp as organizations_bp
    from marketplace.accounts.routes import bp as accounts_bp
    from marketplace.activity.routes import bp as activity_bp
    from marketplace.admin.routes import bp as admin_bp
    from marketplace.alerts.routes import bp as alerts_bp
    from marketplace.api.routes import bp as api_bp
    from marketplace.challenges.routes import bp as challenges_bp
    from marketplace.complaints.routes import bp as complaints_bp
    from marketplace.dashboard.routes import bp as dashboard_bp
    from marketplace.documents.routes import bp as documents_bp
    from marketplace.draft_routes import bp as drafts_bp
    from marketplace.evaluation.routes import bp as evaluation_bp
    from marketplace.feedback.routes import bp as feedback_bp
    from marketplace.files.routes import bp as files_bp
    from marketplace.live import bp as live_bp
    from marketplace.notifications.routes import bp as notifications_bp
    from marketplace.opendata.routes import bp as opendata_bp
    from marketplace.orders.routes import bp as orders_bp
    from marketplace.outcomes.routes import bp as catalogue_bp
    from marketplace.outcomes.routes import outcome_bp
    from marketplace.payments.routes import bp as payments_bp
    from marketplace.phases.routes import bp as phases_bp
    from marketplace.public.routes import bp as public_bp
    from marketplace.scorecards.routes import bp as scorecards_bp
    from marketplace.search.routes import bp as search_bp
    from marketplace.submissions.routes import bp as submissions_bp
    from marketplace.todo.routes import bp as todo_bp

    for blueprint in (public_bp, accounts_bp, organizations_bp, admin_bp, challenges_bp,
                      submissions_bp, evaluation_bp, orders_bp, payments_bp, files_bp,
                      notifications_bp, search_bp, dashboard_bp, opendata_bp, api_bp,
                      activity_bp, documents_bp, complaints_bp, drafts_bp, oidc_bp,
                      scorecards_bp, live_bp, catalogue_bp, outcome_bp, todo_bp,
                      feedback_bp, alerts_bp, phases_bp):
        app.register_blueprint(blueprint)


def _register_cli(app: Flask) -> None:
    from marketplace.accounts.cli import users_cli
    from marketplace.audit.cli import audit_cli
    from marketplace.backup import db_backup_command
    from marketplace.challenges.cli import cli as challenges_cli
    from marketplace.dashboard.cli import cli as dashboard_cli
    from marketplace.demo import demo_command
    from marketplace.files.cli import cli as files_cli
    from marketplace.notifications.cli import cli as mail_cli
    from marketplace.scorecards.cli import cli as flags_cli
    from marketplace.search.cli import cli as search_cli
    from marketplace.worker import worker_command

    for command in (audit_cli, users_cli, demo_command, challenges_cli, search_cli, mail_cli,
                    db_backup_command, worker_command, files_cli, flags_cli, dashboard_cli):
        app.cli.add_command(command)
