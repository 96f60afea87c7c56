"""deploy/nginx/mimika.conf in front of the real gunicorn: HTTPS, the static and public caches, /metrics closed."""

from __future__ import annotations

import http.client
import shutil
import ssl
import subprocess
import time
from pathlib import Path

import pytest

from tests.faults.conftest import app_env, seed_store
from tests.support.services import Gunicorn, free_port, http_get, wait_for

REPO = Path(__file__).resolve().parents[2]
SITE = REPO / "deploy" / "nginx" / "mimika.conf"


def _site(folder: Path, http_port: int, https_port: int, upstream: int) -> str:
    """The deployed site with this test's ports, certificate and cache folders (and no IPv6 listeners)."""
    text = SITE.read_text()
    text = text.replace("listen 80;", f"listen 127.0.0.1:{http_port};").replace("listen [::]:80;", "")
    text = text.replace("listen 443 ssl http2;", f"listen 127.0.0.1:{https_port} ssl http2;")
    text = text.replace("listen [::]:443 ssl http2;", "")
    text = text.replace("/etc/letsencrypt/live/dasbor.mimikakab.go.id/", f"{folder}/")
    text = text.replace("/var/cache/nginx/", f"{folder}/cache/").replace("/var/log/nginx/", f"{folder}/")
    return text.replace("server 127.0.0.1:8050;", f"server 127.0.0.1:{upstream};")


def _main_conf(folder: Path) -> Path:
    conf = folder / "nginx.conf"
    kinds = ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
    temp = " ".join(f"{kind}_temp_path {folder}/{kind};" for kind in kinds)
    conf.write_text(f"user root; daemon off; worker_processes 1; pid {folder}/nginx.pid; "
                    f"error_log {folder}/error.log;\n"
                    f"events {{}}\nhttp {{ access_log off; {temp} include /etc/nginx/mime.types; "
                    f"include {folder}/site.conf; }}\n")
    return conf


@pytest.fixture
def nginx_folder(tmp_path):
    if not shutil.which("nginx") or not shutil.which("openssl"):
        pytest.skip("nginx or openssl is not installed")
    folder = tmp_path / "nginx"
    (folder / "cache").mkdir(parents=True)
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=localhost",
                    "-keyout", str(folder / "privkey.pem"), "-out", str(folder / "fullchain.pem")], check=True,
                   capture_output=True, timeout=60)
    return folder


def _https(port: int, path: str, headers: dict | None = None) -> http.client.HTTPResponse:
    conn = http.client.HTTPSConnection("127.0.0.1", port, timeout=30, context=ssl._create_unverified_context())
    conn.request("GET", path, headers={"Host": "dasbor.mimikakab.go.id", **(headers or {})})
    response = conn.getresponse()
    response.body = response.read()
    conn.close()
    return response


def test_nginx_site_is_valid_and_caches_what_it_should(nginx_folder, tmp_path):
    """`nginx -t` accepts the site; through it: http → https, /publik and assets come from nginx's cache the second
    time, /metrics is 404 outside while Prometheus on the machine still reads it from gunicorn."""
    url = f"sqlite:///{tmp_path / 'store.db'}"
    seed_store(url)
    server = Gunicorn({**app_env(url), "BEHIND_PROXY": "1"}, workers=1)
    http_port, https_port = free_port(), free_port()
    (nginx_folder / "site.conf").write_text(_site(nginx_folder, http_port, https_port, server.port))
    conf = _main_conf(nginx_folder)
    checked = subprocess.run(["nginx", "-t", "-c", str(conf), "-p", str(nginx_folder)], capture_output=True,
                             text=True, timeout=30)
    assert checked.returncode == 0, checked.stderr
    proxy = subprocess.Popen(["nginx", "-c", str(conf), "-p", str(nginx_folder)], stderr=subprocess.PIPE)
    try:
        wait_for(lambda: _answers(https_port), 20, what="nginx answering")
        status, _ = http_get(http_port, "/publik", {"Host": "dasbor.mimikakab.go.id"})
        assert status == 301
        for path in ("/publik", "/assets/wall.css", _bundle(server.port)):
            first, second = _https(https_port, path), _https(https_port, path)
            assert first.status == 200 and second.status == 200, (path, first.status)
            assert second.getheader("X-Cache") == "HIT", (path, second.getheader("X-Cache"))
        assert _https(https_port, "/publik").getheader("Cache-Control") == "public, max-age=300"
        for path in ("/assets/wall.css", _bundle(server.port)):  # nginx's Cache-Control only, not gunicorn's beside it
            assert _https(https_port, path).headers.get_all("Cache-Control") == [
                "public, max-age=3600" if path.startswith("/assets/") else "public, max-age=604800"], path
        gzipped = _https(https_port, _bundle(server.port), {"Accept-Encoding": "gzip"})  # text/javascript
        assert gzipped.getheader("Content-Encoding") == "gzip"
        assert _https(https_port, "/publik").getheader("Strict-Transport-Security")  # the location's add_header
        assert _https(https_port, "/metrics").status == 404
        assert _https(https_port, "/healthz").status == 200
        assert _https(https_port, "/wall").status == 302  # the guard still runs behind the proxy
        assert http_get(server.port, "/metrics")[0] == 200  # the local scrape, straight to gunicorn
    finally:
        proxy.terminate()
        proxy.wait(20)
        server.close()


def _answers(port: int) -> bool:
    try:
        return _https(port, "/healthz").status in (200, 503)
    except OSError:
        time.sleep(0.2)
        return False



def _bundle(_port: int) -> str:
    """A Dash component bundle as pages name it: fingerprinted (version and mtime), which Dash strips."""
    import dash

    return f"/_dash-component-suites/dash/deps/polyfill@7.v{dash.__version__.replace('.', '_')}m1.12.1.min.js"
