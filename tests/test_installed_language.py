"""A site started from a fresh copy of the sources — as `docs/deploy.md` installs it, with
no compiled catalogue (`*.mo` is not in git; only `make` builds it) — serves Vietnamese:
the catalogue is compiled from its parts when the application starts."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SCRIPT = """
from flask_migrate import upgrade
from marketplace import create_app
app = create_app("development")
with app.app_context():
    upgrade()
response = app.test_client().get("/")
print(response.status_code)
print(response.get_data(as_text=True))
"""


@pytest.mark.slow
def test_a_fresh_copy_without_the_compiled_catalogue_serves_vietnamese(tmp_path):
    site = tmp_path / "src"
    ignore = shutil.ignore_patterns("*.mo", "__pycache__", "instance", "*.pyc")
    for name in ("marketplace", "templates", "static", "migrations"):
        shutil.copytree(ROOT / name, site / name, ignore=ignore)
    for name in ("config.py", "wsgi.py"):
        shutil.copy(ROOT / name, site / name)
    assert not list(site.rglob("*.mo"))
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{tmp_path / 'site.sqlite3'}",
           "UPLOAD_DIR": str(tmp_path / "uploads"), "SEARCH_INDEX_DIR": str(tmp_path / "index"),
           "JOBS_URL": "memory://", "MARKETPLACE_ENV": "development"}
    env.pop("TEST_DATABASE_URL", None)
    result = subprocess.run([sys.executable, "-c", SCRIPT], cwd=site, env=env,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr[-2000:]
    status, html = result.stdout.split("\n", 1)
    assert status == "200"
    assert "Đăng nhập" in html and ">Log in<" not in html
    assert (site / "marketplace" / "translations" / "vi" / "LC_MESSAGES" / "messages.mo").exists()
