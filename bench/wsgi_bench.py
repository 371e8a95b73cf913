"""The application as the benchmark serves it: `gunicorn bench.wsgi_bench:app`.

The same `create_app` as `wsgi.py`; with `MARKETPLACE_BENCH=1` it also answers
`/_bench/hello`, a bare route that goes through the same app, middleware and server and
does no database work — the ceiling every page is compared with. The route exists only
in this module, never among the product's routes."""

import os

from marketplace import create_app

app = create_app(os.environ.get("MARKETPLACE_ENV", "production"))

if os.environ.get("MARKETPLACE_BENCH") == "1":
    @app.get("/_bench/hello")
    def bench_hello():
        return "hello"
