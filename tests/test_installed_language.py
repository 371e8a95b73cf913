"""A site serves Vietnamese however it is installed, with no compiled catalogue (`*.mo` is
not in git; only `make` builds it): the catalogue is compiled from its parts when the
application starts.

- started from a fresh copy of the sources;
- installed from the wheel, outside any checkout: the wheel carries the templates,
  static files and migrations (setup.py), `config` and `wsgi`. The wheel is installed
  with `pip --target` and run with this virtualenv's interpreter, whose site-packages
  give the dependencies (nothing is downloaded)."""

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
import marketplace
print(marketplace.__file__)
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
    _module, status, html = result.stdout.split("\n", 2)
    assert status == "200"
    assert "Đăng nhập" in html and ">Log in<" not in html
    assert (site / "marketplace" / "translations" / "vi" / "LC_MESSAGES" / "messages.mo").exists()


def _sources(target: Path) -> Path:
    ignore = shutil.ignore_patterns("*.mo", "__pycache__", "instance", "*.pyc")
    for name in ("marketplace", "templates", "static", "migrations"):
        shutil.copytree(ROOT / name, target / name, ignore=ignore)
    for name in ("config.py", "wsgi.py", "setup.py", "pyproject.toml"):
        if (ROOT / name).exists():
            shutil.copy(ROOT / name, target / name)
    return target


@pytest.mark.slow
def test_the_wheel_installed_outside_the_checkout_serves_vietnamese(tmp_path):
    sources = _sources(tmp_path / "src")
    pip = [sys.executable, "-m", "pip", "--disable-pip-version-check", "-q"]
    subprocess.run([*pip, "wheel", "--no-deps", "--no-build-isolation", str(sources),
                    "-w", str(tmp_path / "dist")], check=True, timeout=300,
                   capture_output=True)
    (wheel,) = (tmp_path / "dist").glob("*.whl")
    installed = tmp_path / "installed"
    subprocess.run([*pip, "install", "--no-deps", "--target", str(installed), str(wheel)],
                   check=True, timeout=300, capture_output=True)
    assert not list(installed.rglob("*.mo"))
    elsewhere = tmp_path / "srv"
    elsewhere.mkdir()
    env = {**os.environ, "PYTHONPATH": str(installed),
           "DATABASE_URL": f"sqlite:///{tmp_path / 'site.sqlite3'}", "JOBS_URL": "memory://",
           "MARKETPLACE_ENV": "development"}
    for name in ("TEST_DATABASE_URL", "UPLOAD_DIR", "SEARCH_INDEX_DIR"):
        env.pop(name, None)
    result = subprocess.run([sys.executable, "-c", SCRIPT], cwd=elsewhere, env=env,
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr[-2000:]
    module, status, html = result.stdout.split("\n", 2)
    assert module.startswith(str(installed))  # the installed package, not this checkout
    assert status == "200"
    assert "Đăng nhập" in html and ">Log in<" not in html
