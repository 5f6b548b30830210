"""Test fixtures: a real ``latchkey-server`` process on loopback (SQLite in a temp dir).

``LATCHKEY_SERVER_BIN`` names the server binary (``cargo xtask test-bindings`` builds it and
sets this); the package is imported from ``src/`` (xtask puts it on ``PYTHONPATH``).
"""

from __future__ import annotations

import os
import pathlib
import subprocess
import sys
import uuid

import pytest

SRC = pathlib.Path(__file__).resolve().parents[1] / "src"
if str(SRC) not in sys.path:
    sys.path.insert(0, str(SRC))

API_KEY = "lk_test_python_bindings_api_key"


class Server:
    """A running reference server."""

    def __init__(self, proc: subprocess.Popen, base_url: str) -> None:
        self.proc = proc
        self.base_url = base_url


def _server_bin() -> str:
    path = os.environ.get("LATCHKEY_SERVER_BIN")
    if not path:
        raise RuntimeError(
            "LATCHKEY_SERVER_BIN is not set: run `cargo xtask test-bindings`, or build "
            "latchkey-server and point LATCHKEY_SERVER_BIN at it"
        )
    if not os.path.isfile(path):
        raise RuntimeError(f"LATCHKEY_SERVER_BIN={path} does not exist")
    return path


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory):
    data = tmp_path_factory.mktemp("latchkey-server")
    db = data / "latchkey.db"
    env = dict(os.environ, LATCHKEY_API_KEY=API_KEY)
    proc = subprocess.Popen(
        [
            _server_bin(),
            "--listen", "127.0.0.1:0",
            "--database-url", f"sqlite://{db}",
            "--data-dir", str(data),
            "--argon2-memory-kib", "1024",
            "--argon2-iterations", "1",
            # Every request comes from 127.0.0.1: no per-IP/per-user rate limits in tests.
            "--rate-limit-ip-per-sec", "0",
            "--rate-limit-user-per-sec", "0",
        ],
        stdout=subprocess.PIPE,
        stderr=open(data / "server.log", "wb"),
        env=env,
        text=True,
    )
    assert proc.stdout is not None
    line = proc.stdout.readline().strip()
    prefix = "latchkey-server listening on "
    if not line.startswith(prefix):
        proc.kill()
        log = (data / "server.log").read_text(errors="replace")
        raise RuntimeError(f"server did not start: {line!r}\n{log}")
    yield Server(proc, line[len(prefix):])
    proc.terminate()
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()


def fast_config(latchkey, base_url: str):
    """Client settings for tests: short timeouts and backoff."""
    return latchkey.ClientConfig(
        base_url=base_url,
        request_timeout_ms=5000,
        connect_timeout_ms=2000,
        max_retries=2,
        initial_backoff_ms=20,
        max_backoff_ms=200,
        poll_interval_ms=20,
    )


def new_user_id(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:12]}"
