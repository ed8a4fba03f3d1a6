"""Helpers for the web tests: a real ``bulletin serve`` in a subprocess (uvicorn, worker processes, SQLite queue), and
a client for it; articles are short Kyrgyz texts so that making them is quick."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[2]
TOKEN = "test-token-9f3c2a7e"
ARTICLE = {
    "id": "news-1",
    "title": "Бишкекте жаңы мектеп ачылды",
    "text": (
        "Бишкекте 2024-жылы 1200 орундуу жаңы мектеп ачылды. Курулушка 350 млн сом жумшалды.\n\n"
        "Мэриянын маалыматы боюнча, мектепте 45 класс бар."
    ),
}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class Server:
    url: str
    data_dir: Path
    process: subprocess.Popen
    log: Path

    def client(self, token: str | None = TOKEN) -> httpx.Client:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        return httpx.Client(base_url=self.url, headers=headers, timeout=30)

    def children(self) -> list[int]:
        """The server's child processes (its queue workers)."""
        found = []
        for entry in Path("/proc").iterdir():
            if entry.name.isdigit():
                try:
                    stat = (entry / "stat").read_text()
                except OSError:
                    continue
                fields = stat.rsplit(")", 1)[1].split()
                if int(fields[1]) == self.process.pid and fields[0] != "Z":
                    found.append(int(entry.name))
        return found

    def stop(self, sig: int = signal.SIGTERM) -> int:
        """Signal the server and wait; the exit status (143 after SIGTERM: uvicorn shut
        down cleanly, then ``bulletin serve`` exits 128 + signal, as every command)."""
        if self.process.poll() is None:
            self.process.send_signal(sig)
        return self.process.wait(timeout=60)


def start_server(
    data_dir: Path, *, workers: int = 2, extra: tuple[str, ...] = (), port: int | None = None
) -> Server:
    port = port or free_port()
    home = data_dir.parent / "home"
    env = {
        **os.environ,
        "BULLETIN_TOKEN": TOKEN,
        "XDG_CACHE_HOME": str(home / "cache"),
        "XDG_CONFIG_HOME": str(home / "config"),
    }
    log = data_dir.parent / f"serve-{port}.log"
    data_dir.mkdir(parents=True, exist_ok=True)
    with open(log, "wb") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "bulletin", "serve", "--port", str(port),
             "--data-dir", str(data_dir), "--workers", str(workers), *extra],
            cwd=data_dir.parent, env=env, stdout=out, stderr=subprocess.STDOUT,
        )  # fmt: skip
    server = Server(f"http://127.0.0.1:{port}", data_dir, process, log)
    deadline = time.monotonic() + 60
    while True:
        try:
            if httpx.get(f"{server.url}/healthz", timeout=2).status_code == 200:
                return server
        except httpx.TransportError:
            pass
        if process.poll() is not None or time.monotonic() > deadline:
            server.stop(signal.SIGKILL)
            raise AssertionError(f"serve did not start:\n{log.read_text()}")
        time.sleep(0.1)


def wait_ready(client: httpx.Client, ids, timeout: float = 240.0) -> dict[str, dict]:
    deadline = time.monotonic() + timeout
    pending, done = set(ids), {}
    while pending:
        for article_id in sorted(pending):
            body = client.get(f"/v1/articles/{article_id}").json()
            if body["status"] in ("ready", "failed"):
                done[article_id] = body
                pending.discard(article_id)
        if pending:
            assert time.monotonic() < deadline, f"not ready in time: {sorted(pending)}"
            time.sleep(0.2)
    return done
