"""nginx in front of the benchmark's gunicorn, as `docs/deploy.md` deploys it: the
reverse proxy receives each request at once (it reads every connection as it comes,
whatever gunicorn is doing) and writes the time it received it in `X-Request-Start`
(`proxy_set_header X-Request-Start "t=${msec}"`), which the application believes with
`TRUSTED_PROXIES=1` and `REQUEST_START_HEADER=X-Request-Start` (`FRONT_SETTINGS`).

Only when nginx is installed (`nginx_binary`; Debian: `apt-get install nginx-light`): the
benchmark says so and talks to gunicorn directly otherwise. nginx runs in the foreground
on a free port of 127.0.0.1, with its configuration, logs and buffers in a folder of the
run, and is stopped in `stop()`, always."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import time
import urllib.error
import urllib.request
from pathlib import Path

from bench.server import free_port

# the application's side of the deployed shape (docs/deploy.md)
FRONT_SETTINGS = {"TRUSTED_PROXIES": "1", "REQUEST_START_HEADER": "X-Request-Start"}

CONFIG = """
worker_processes 1;
{user}
pid {dir}/nginx.pid;
error_log {dir}/error.log warn;
events {{ worker_connections 4096; }}
http {{
    access_log off;
    client_body_temp_path {dir}/client_body;
    proxy_temp_path {dir}/proxy;
    fastcgi_temp_path {dir}/fastcgi;
    uwsgi_temp_path {dir}/uwsgi;
    scgi_temp_path {dir}/scgi;
    client_max_body_size 110m;   # = MAX_CONTENT_LENGTH
    client_body_buffer_size 1m;
    upstream marketplace {{ server 127.0.0.1:{upstream}; }}
    server {{
        listen 127.0.0.1:{port};
        location / {{
            proxy_pass http://marketplace;
            proxy_set_header Host $http_host;
            proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
            proxy_set_header X-Forwarded-Proto $scheme;
            proxy_set_header X-Request-Start "t=${{msec}}";
            proxy_read_timeout 120s;
        }}
    }}
}}
"""


def nginx_binary() -> str | None:
    """The nginx executable, or None when it is not installed."""
    found = shutil.which("nginx")
    if found:
        return found
    for candidate in ("/usr/sbin/nginx", "/usr/local/sbin/nginx", "/usr/local/nginx/sbin/nginx"):
        if os.access(candidate, os.X_OK):
            return candidate
    return None


def nginx_version(binary: str) -> str:
    """`nginx/1.22.1`, from `nginx -v` (which prints on stderr)."""
    out = subprocess.run([binary, "-v"], capture_output=True, text=True, timeout=10,  # noqa: S603
                         check=False)
    return (out.stderr or out.stdout).strip().rsplit(" ", 1)[-1]


class Nginx:
    """nginx on a free port of 127.0.0.1, proxying to gunicorn on `upstream` and stamping
    X-Request-Start; `base` is the URL clients use."""

    def __init__(self, binary: str, upstream: int, workdir: Path):
        self.binary = binary
        self.version = nginx_version(binary)
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.dir = workdir / "nginx"
        self.dir.mkdir(parents=True, exist_ok=True)
        # as root, nginx's worker would switch to `nobody`, which cannot write the run's
        # folder (its request bodies are buffered there)
        user = "user root;" if os.geteuid() == 0 else ""
        conf = self.dir / "nginx.conf"
        conf.write_text(CONFIG.format(user=user, dir=self.dir, upstream=upstream,
                                      port=self.port))
        self.process = subprocess.Popen(  # noqa: S603 - our own proxy, local only
            [binary, "-p", str(self.dir), "-e", str(self.dir / "error.log"), "-c", str(conf),
             "-g", "daemon off;"],
            stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT, start_new_session=True)

    def wait_ready(self, path: str = "/_bench/hello", timeout: float = 30) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError("nginx exited:\n" + self.log_tail())
            try:
                with urllib.request.urlopen(self.base + path, timeout=5) as r:  # noqa: S310
                    if r.status == 200:
                        return
            except (OSError, urllib.error.URLError):
                time.sleep(0.05)
        raise RuntimeError("nginx did not answer in time:\n" + self.log_tail())

    def log_tail(self, chars: int = 3000) -> str:
        try:
            return (self.dir / "error.log").read_text(errors="replace")[-chars:]
        except OSError:
            return ""

    def stop(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGQUIT)  # graceful: finishes open requests
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(5)
