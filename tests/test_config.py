"""Configuration is read in one typed place (`config.Settings`) and fails early.

- Every variable in the README's configuration table is read (a field of `Settings`)
  and carried into the app's configuration.
- Booleans read as people write them; a bad value stops the start with its name.
- Production refuses settings only fit for a laptop."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

import config
from config import ConfigError, Settings, read_settings
from marketplace import create_app
from tests.factories import PRODUCTION_SETTINGS

ROOT = Path(__file__).resolve().parent.parent
# documented names whose app.config key has another name
CARRIED_AS = {"DATABASE_URL": "SQLALCHEMY_DATABASE_URI", "REDIS_URL": "CACHE_URL",
              "FLASK_DEBUG": "DEBUG", "TEST_DATABASE_URL": "SQLALCHEMY_DATABASE_URI"}


def documented_variables() -> set[str]:
    readme = (ROOT / "README.md").read_text()
    section = readme.split("## Configuration", 1)[1].split("\n## ", 1)[0]
    names = set()
    for line in section.splitlines():
        if line.startswith("| `"):
            first_cell = line.split("|")[1]
            names.update(re.findall(r"`([A-Z][A-Z0-9_]+)`", first_cell))
    return names


def test_every_documented_variable_is_read():
    documented = documented_variables()
    assert {"MAIL_SEND_AFTER_REQUEST", "SEARCH_LOCK_TIMEOUT", "PUBLIC_BASE_URL"} <= documented
    assert sorted(documented - set(Settings.model_fields)) == []
    not_carried = [name for name in documented
                   if not hasattr(config.Config, CARRIED_AS.get(name, name))]
    assert not_carried == []


def test_the_once_unread_variables_reach_the_app():
    env = {**os.environ, "SEARCH_LOCK_TIMEOUT": "2.5", "MAIL_SEND_AFTER_REQUEST": "off",
           "PUBLIC_BASE_URL": "https://sankhachhang.example.gov.vn/", "MAIL_USE_TLS": "true",
           "TRUSTED_PROXIES": "1"}
    out = subprocess.run(
        [sys.executable, "-c", "from config import DevelopmentConfig as C; print(repr(("
         "C.SEARCH_LOCK_TIMEOUT, C.MAIL_SEND_AFTER_REQUEST, C.PUBLIC_BASE_URL, "
         "C.MAIL_USE_TLS, C.TRUSTED_PROXIES)))"],
        cwd=ROOT, env=env, capture_output=True, text=True, check=True).stdout
    assert out.strip() == repr((2.5, False, "https://sankhachhang.example.gov.vn", True, 1))


@pytest.mark.parametrize("text, value", [
    ("true", True), ("TRUE", True), ("1", True), ("yes", True), ("on", True),
    ("false", False), ("0", False), ("no", False), ("off", False), ("", False),
])
def test_booleans_read_as_written(text, value):
    assert read_settings({"MAIL_USE_TLS": text}).MAIL_USE_TLS is value


@pytest.mark.parametrize("name, text", [
    ("MAIL_PORT", "abc"), ("MAIL_PORT", "70000"), ("MAIL_USE_TLS", "maybe"),
    ("TRUSTED_PROXIES", "-1"), ("PUBLIC_BASE_URL", "example.gov.vn"),
    ("SEARCH_LOCK_TIMEOUT", "soon"), ("LOGIN_LIMIT_PER_ACCOUNT", "five a minute"),
    ("OCDS_PREFIX", "fcm000"), ("MAIL_BACKEND", "smpt"),
])
def test_a_bad_value_is_refused_with_its_name(name, text):
    with pytest.raises(ConfigError, match=name):
        read_settings({name: text})


def test_a_bad_value_stops_the_start_with_its_name():
    env = {**os.environ, "MAIL_PORT": "abc"}
    result = subprocess.run([sys.executable, "-c", "import config"], cwd=ROOT, env=env,
                            capture_output=True, text=True)
    assert result.returncode != 0
    assert "MAIL_PORT='abc'" in result.stderr and "valid integer" in result.stderr


def test_secrets_never_appear_in_the_message():
    with pytest.raises(ConfigError) as refused:
        read_settings({"MAIL_PORT": "x", "STRIPE_SECRET_KEY": "sk_live_1"})
    assert "sk_live_1" not in str(refused.value)


def test_production_starts_with_real_settings():
    app = create_app({**PRODUCTION_SETTINGS, "SQLALCHEMY_DATABASE_URI": "sqlite://"})
    assert app.config["PUBLIC_BASE_URL"] == "https://example.gov.vn"


@pytest.mark.parametrize("change, name", [
    ({"MAIL_BACKEND": "console", "MAIL_SERVER": ""}, "MAIL_BACKEND"),
    ({"RATELIMIT_STORAGE_URI": "memory://"}, "RATELIMIT_STORAGE_URI"),
    ({"OCDS_PREFIX": config.PLACEHOLDER_OCDS_PREFIX}, "OCDS_PREFIX"),
    ({"PUBLIC_BASE_URL": ""}, "PUBLIC_BASE_URL"),
])
def test_production_refuses_laptop_settings(change, name):
    with pytest.raises(RuntimeError, match=name):
        create_app({**PRODUCTION_SETTINGS, "SQLALCHEMY_DATABASE_URI": "sqlite://", **change})
