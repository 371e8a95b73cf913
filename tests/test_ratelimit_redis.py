"""With RATELIMIT_STORAGE_URI pointing at Redis, login attempts are counted there, so
that several processes share one limit. Runs in its own process: the limiter is one
object per process, bound to the session's app."""

import socket
import subprocess
import sys
import textwrap
import uuid

import pytest

REDIS = ("127.0.0.1", 6379)


def _redis_up() -> bool:
    try:
        with socket.create_connection(REDIS, timeout=1):
            return True
    except OSError:
        return False


@pytest.mark.skipif(not _redis_up(), reason="no Redis on 127.0.0.1:6379")
def test_login_limit_is_shared_through_redis(tmp_path):
    db = 15
    script = textwrap.dedent(f"""
        import re, redis
        from marketplace import create_app
        from marketplace.extensions import limiter
        from flask_migrate import upgrade
        app = create_app({{"ENV_NAME": "testing",
                          "SQLALCHEMY_DATABASE_URI": "sqlite:///{tmp_path / 'db.sqlite3'}",
                          "RATELIMIT_STORAGE_URI": "redis://127.0.0.1:6379/{db}",
                          "LOGIN_LIMIT_PER_ACCOUNT": "3 per minute",
                          "WTF_CSRF_ENABLED": False}})
        with app.app_context():
            upgrade()
        email = "ghost-{uuid.uuid4().hex[:8]}@example.test"
        client = app.test_client()
        codes = [client.post("/login", data={{"email": email, "password": "x" * 12}}).status_code
                 for _ in range(4)]
        keys = redis.Redis(host="127.0.0.1", port=6379, db={db}).keys("*login-account*")
        print(codes, len(keys))
        limiter.reset()
    """)
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                            timeout=60)
    assert result.returncode == 0, result.stderr[-2000:]
    codes, keys = result.stdout.strip().rsplit(" ", 1)
    assert codes == "[400, 400, 400, 429]"
    assert int(keys) >= 1  # the counter lived in Redis, not in the process
