"""A real redis-server (persistence on) on a free localhost port, and real ``bulletin
worker`` processes, for the distributed queue's tests."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from test_lifecycle import live_signals

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class RedisServer:
    """``redis-server`` with append-only persistence (fsync on every write) in ``folder``."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.port = _free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        binary = shutil.which("redis-server")
        assert binary, "redis-server is not installed (apt-get install redis-server)"
        self.process = subprocess.Popen(
            [
                binary, "--port", str(self.port), "--bind", "127.0.0.1", "--dir", str(self.folder),
                "--appendonly", "yes", "--appendfsync", "always", "--save", "",
                "--protected-mode", "no", "--daemonize", "no", "--loglevel", "warning",
            ],
            stdout=subprocess.DEVNULL,
        )  # fmt: skip
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=1) as s:
                    s.sendall(b"PING\r\n")
                    if s.recv(64).startswith(b"+PONG"):
                        return
            except OSError:
                time.sleep(0.05)
        raise AssertionError("redis-server did not start")

    def kill(self) -> None:
        """Stop Redis at once (SIGKILL: no shutdown save; only the append-only file)."""
        if self.process and self.process.poll() is None:
            self.process.kill()
            self.process.wait()

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=20)


@pytest.fixture
def redis_server(tmp_path):
    folder = tmp_path / "redis"
    folder.mkdir()
    server = RedisServer(folder)
    server.start()
    yield server
    server.stop()


class Workers:
    """``bulletin worker`` processes, each in its own process group (a 'machine')."""

    def __init__(self, url: str, config: Path) -> None:
        self.url = url
        self.config = config
        self.started: list[subprocess.Popen] = []

    def start(self, *args: str, config: Path | None = None, env: dict | None = None):
        environment = {
            **os.environ,
            "BULLETIN_QUEUE_URL": self.url,
            "PYTHONPATH": os.pathsep.join([str(HERE), str(ROOT)]),
            **(env or {}),
        }
        process = subprocess.Popen(
            [sys.executable, "-m", "bulletin", "worker", "--config", str(config or self.config),
             *args],
            env=environment,
            cwd=ROOT,
            start_new_session=True,
            preexec_fn=live_signals,  # SIGHUP live even when the tests run under nohup
            stderr=subprocess.PIPE,
            text=True,
        )  # fmt: skip
        self.started.append(process)
        return process

    def kill(self, process: subprocess.Popen) -> None:
        """The machine dies: SIGKILL to the worker and everything it started."""
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()

    def stop_all(self) -> None:
        for process in self.started:
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        for process in self.started:
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()
            with __import__("contextlib").suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)  # nothing may be left behind


def group_alive(pgid: int, wait_s: float = 5.0) -> bool:
    """Whether any live process (not a zombie) of process group ``pgid`` is left after
    ``wait_s``."""
    deadline = time.monotonic() + wait_s
    while True:
        alive = False
        for stat in Path("/proc").glob("[0-9]*/stat"):
            try:
                fields = stat.read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[2]) == pgid and fields[0] != "Z":
                alive = True
                break
        if not alive or time.monotonic() > deadline:
            return alive
        time.sleep(0.1)


QUICK = """\
voice = "ky-espeak"

[queue]
heartbeat_s = 1
lost_after_s = 2
maintenance_s = 1
"""


@pytest.fixture
def worker_config(tmp_path) -> Path:
    path = tmp_path / "bulletin.toml"
    path.write_text(QUICK, encoding="utf-8")
    return path


@pytest.fixture
def workers(redis_server, worker_config):
    pool = Workers(redis_server.url, worker_config)
    yield pool
    pool.stop_all()
