"""Entry point: `flask --app wsgi ...` and `gunicorn wsgi:app`."""

import os

from marketplace import create_app

app = create_app(os.environ.get("MARKETPLACE_ENV", "development"))
