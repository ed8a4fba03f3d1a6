"""``bulletin serve``: time from POST to ready against ``bulletin make`` of the same text, and
the requests per second the read endpoints hold.

    python bench/bench_serve.py [RELEASE.txt] [--repeat 3] [--seconds 5]

Both sides run in the same run on the same machine, interleaved, and the best of
``--repeat`` counts:

  make      ``bulletin make RELEASE -j 1`` in a fresh process (imports included), cold cache;
            also with the default ``-j`` (all cores), for reference
  serve     a running ``bulletin serve --workers 1`` (started before timing, idle, fresh
            data folder, so its clip cache is cold): POST the article, poll its status every
            10 ms until ``ready``; the worker makes it with one process, as ``-j 1`` does
  edit      the same article with one sentence changed, POSTed again (only that sentence
            is synthesised), against ``bulletin make -j 1`` of the edited text with the
            clip cache of the first make (warm)

Read endpoints: 8 client threads with keep-alive for ``--seconds`` each on the article's
status JSON, its manifest, a 64 KB Range of its MP3, and the player page. The client runs
on the same cores as the server, so these are lower bounds. Goal: serve/make <= 1.2.
"""

from __future__ import annotations

import argparse
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
TOKEN = "bench-token"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def environment(home: Path) -> dict[str, str]:
    return {
        **os.environ,
        "BULLETIN_TOKEN": TOKEN,
        "XDG_CACHE_HOME": str(home / "cache"),
        "XDG_CONFIG_HOME": str(home / "config"),
    }


def time_make(release: Path, work: Path, cache: Path, jobs: int | None) -> float:
    out = work / "out"
    command = [sys.executable, "-m", "bulletin", "make", str(release), "-o", str(out), "-q"]
    command += ["--cache-dir", str(cache), *(["-j", str(jobs)] if jobs else [])]
    start = time.perf_counter()
    subprocess.run(command, check=True, env=environment(work), cwd=work, capture_output=True)
    return time.perf_counter() - start


class Server:
    def __init__(self, work: Path) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.process = subprocess.Popen(
            [sys.executable, "-m", "bulletin", "serve", "--port", str(self.port),
             "--data-dir", str(work / "data"), "--workers", "1"],
            env=environment(work), cwd=work, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        self.client = httpx.Client(
            base_url=self.url, headers={"Authorization": f"Bearer {TOKEN}"}, timeout=60
        )
        deadline = time.monotonic() + 60
        while True:
            try:
                if self.client.get("/readyz").status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline or self.process.poll() is not None:
                raise SystemExit("bulletin serve did not start")
            time.sleep(0.1)
        time.sleep(1.0)  # let the idle worker process finish starting

    def post_to_ready(self, article: dict) -> float:
        start = time.perf_counter()
        answer = self.client.post("/v1/articles", json=article)
        if answer.status_code not in (200, 202):
            raise SystemExit(f"POST failed: {answer.status_code} {answer.text}")
        while True:
            body = self.client.get(f"/v1/articles/{article['id']}").json()
            if body["status"] == "ready":
                return time.perf_counter() - start
            if body["status"] == "failed":
                raise SystemExit(f"article failed: {body['error']}")
            time.sleep(0.01)

    def stop(self) -> None:
        self.client.close()
        self.process.send_signal(signal.SIGTERM)
        self.process.wait(timeout=60)


def read_rate(url: str, path: str, headers: dict, seconds: float, threads: int = 8) -> float:
    count = [0] * threads
    stop = time.perf_counter() + seconds

    def run(index: int) -> None:
        with httpx.Client(base_url=url, timeout=30) as client:
            while time.perf_counter() < stop:
                response = client.get(path, headers=headers)
                if response.status_code >= 400:
                    raise SystemExit(f"GET {path}: {response.status_code}")
                count[index] += 1

    workers = [threading.Thread(target=run, args=(i,)) for i in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    return sum(count) / seconds


def split_release(release: Path) -> tuple[str, str]:
    text = release.read_text(encoding="utf-8").strip()
    first, _, rest = text.partition("\n")
    if len(first) < 200 and not first.rstrip().endswith("."):
        return first.strip(), rest.strip()
    return "", text


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("release", nargs="?", type=Path, default=ROOT / "examples/release.txt")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--seconds", type=float, default=5.0)
    options = parser.parse_args()
    title, text = split_release(options.release)
    # the edited version: one sentence changed (a number in the last paragraph)
    edited_text = text[: text.rfind(".")] + " 2025-жылы."
    article = {"id": "bench", "title": title or None, "text": text}
    edited = {**article, "text": edited_text}
    times: dict[str, list[float]] = {
        k: [] for k in ("make", "make-jall", "serve", "edit-make", "edit-serve")
    }
    root = Path(tempfile.mkdtemp(prefix="bench-serve-"))
    try:
        for repeat in range(options.repeat):
            work = root / f"r{repeat}"
            work.mkdir()
            release = work / "article.txt"
            release.write_text(f"{title}\n\n{text}\n" if title else text + "\n", encoding="utf-8")
            edited_release = work / "edited.txt"
            edited_release.write_text(
                f"{title}\n\n{edited_text}\n" if title else edited_text + "\n", encoding="utf-8"
            )
            times["make"].append(time_make(release, work, work / "cache1", jobs=1))
            times["edit-make"].append(time_make(edited_release, work, work / "cache1", jobs=1))
            times["make-jall"].append(time_make(release, work, work / "cache2", jobs=None))
            server = Server(work)
            try:
                times["serve"].append(server.post_to_ready(article))
                times["edit-serve"].append(server.post_to_ready(edited))
                if repeat == options.repeat - 1:
                    rates = {
                        "GET /v1/articles/{id}": read_rate(
                            server.url, "/v1/articles/bench", {}, options.seconds
                        ),
                        "GET manifest.json": read_rate(
                            server.url, "/v1/articles/bench/manifest.json", {}, options.seconds
                        ),
                        "GET audio.mp3 (Range 64 KB)": read_rate(
                            server.url,
                            "/v1/articles/bench/audio.mp3",
                            {"Range": "bytes=0-65535"},
                            options.seconds,
                        ),
                        "GET /listen/{id}": read_rate(
                            server.url, "/listen/bench", {}, options.seconds
                        ),
                    }
            finally:
                server.stop()
    finally:
        shutil.rmtree(root, ignore_errors=True)

    best = {key: min(values) for key, values in times.items()}
    print(f"article: {options.release.name}, {len(text)} characters; best of {options.repeat}")
    print(f"  bulletin make -j 1 (cold cache)       {best['make']:7.2f} s")
    print(f"  bulletin make -j {os.cpu_count()} (cold cache)       {best['make-jall']:7.2f} s")
    print(f"  serve: POST to ready (cold cache)     {best['serve']:7.2f} s")
    print(
        f"    ratio serve / make -j 1             {best['serve'] / best['make']:7.2f}  (goal <= 1.2)"
    )
    print(
        f"    ratio serve / make -j {os.cpu_count()}             {best['serve'] / best['make-jall']:7.2f}"
    )
    print(f"  edit, one sentence: make -j 1 (warm)  {best['edit-make']:7.2f} s")
    print(f"  edit, one sentence: POST to ready     {best['edit-serve']:7.2f} s")
    print(f"    ratio                               {best['edit-serve'] / best['edit-make']:7.2f}")
    print(f"read endpoints, 8 client threads on the same {os.cpu_count()} cores:")
    for name, rate in rates.items():
        print(f"  {name:<30} {rate:8.0f} requests/s")


if __name__ == "__main__":
    main()
