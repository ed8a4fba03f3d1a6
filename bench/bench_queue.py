"""The distributed queue (RQ on a real redis-server, ``bulletin worker`` processes):
throughput with 1 and 2 workers, the queue's overhead per job, and a long round-up fanned
out as clip jobs against one worker making it whole.

    python bench/bench_queue.py [--articles 10] [--repeat 2] [--long RELEASE.txt]

Everything runs on this machine, in the same run, with cold clip caches:

  throughput  ``--articles`` corpus releases submitted at once, time until all are ready:
              1 worker process, then 2 (``bulletin worker --concurrency N``); articles per
              minute and the ratio (goal: 2 workers >= 1.8x one; 2 processes on 2 cores
              share them with Redis and this script, so this is the edge)
  overhead    one article through the queue (submit -> ready, an idle warm worker) against
              the same task function called directly in this process (warm imports);
              best of ``--repeat`` each, interleaved (goal: <= +5 %)
  fan-out     the long release (default: the weekly round-up) made by one worker whole,
              against 2 workers sharing it as clip jobs plus one assembly job (goal:
              <= 0.55x). Voice: ``--voice`` (default ky-azamat, RHVoice); articles and the
              overhead use ky-espeak
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
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT / "examples" / "corpus"
sys.path.insert(0, str(ROOT))

from bulletin.jobs import QueueSettings  # noqa: E402
from bulletin.jobs.redis import RedisQueue  # noqa: E402
from bulletin.web.routers.articles import article_task  # noqa: E402
from bulletin.web.settings import ServeSettings  # noqa: E402
from bulletin.web.store import ArticleState, ArticleStore, article_digest  # noqa: E402

CONFIG = 'voice = "{voice}"\n\n[queue]\nheartbeat_s = 5\nfanout_sentences = {fanout}\n'


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_redis(folder: Path) -> tuple[subprocess.Popen, str]:
    port = free_port()
    process = subprocess.Popen(
        [shutil.which("redis-server") or "redis-server", "--port", str(port),
         "--bind", "127.0.0.1", "--dir", str(folder), "--appendonly", "yes",
         "--appendfsync", "everysec", "--save", "", "--loglevel", "warning"],
        stdout=subprocess.DEVNULL,
    )  # fmt: skip
    url = f"redis://127.0.0.1:{port}/0"
    import redis

    for _ in range(200):
        try:
            redis.Redis.from_url(url).ping()
            return process, url
        except redis.exceptions.ConnectionError:
            time.sleep(0.05)
    raise SystemExit("redis-server did not start")


class Workers:
    def __init__(
        self, url: str, config: Path, concurrency: int, home: Path, voice: str = "ky-espeak"
    ) -> None:
        from rq import Worker

        env = {**os.environ, "BULLETIN_QUEUE_URL": url, "XDG_CACHE_HOME": str(home)}
        self.process = subprocess.Popen(
            [sys.executable, "-m", "bulletin", "worker", "--config", str(config),
             "--concurrency", str(concurrency), "--voices", voice],
            env=env, cwd=ROOT, stderr=subprocess.DEVNULL, start_new_session=True,
        )  # fmt: skip
        import redis

        connection = redis.Redis.from_url(url)
        deadline = time.monotonic() + 60
        while Worker.count(connection=connection) < concurrency:
            if time.monotonic() > deadline or self.process.poll() is not None:
                raise SystemExit("workers did not start")
            time.sleep(0.05)

    def stop(self) -> None:
        self.process.send_signal(signal.SIGTERM)
        self.process.wait(timeout=120)
        # a stopped worker leaves its registration to expire; wait until it is gone
        time.sleep(0.2)


def release_of(path: Path) -> str:
    return path.read_text(encoding="utf-8").strip() + "\n"


def submit(queue, store, settings, article_id: str, release: str) -> None:
    store.write_source(article_id, 1, release)
    state = store.write(
        ArticleState(article_id, 1, "queued", article_digest(release, None, None), created=1.0)
    )
    queue.submit(article_task(settings, state))


def wait_ready(store: ArticleStore, ids: list[str], timeout: float = 1800) -> None:
    deadline = time.monotonic() + timeout
    waiting = set(ids)
    while waiting:
        for article_id in list(waiting):
            state = store.read(article_id)
            if state and state.status in ("ready", "failed"):
                if state.status == "failed":
                    raise SystemExit(f"{article_id} failed: {state.error}")
                waiting.discard(article_id)
        if waiting:
            if time.monotonic() > deadline:
                raise SystemExit(f"not ready: {sorted(waiting)}")
            time.sleep(0.01)


def batch(url, work: Path, config: Path, releases: dict[str, str]) -> float:
    """Submit every release at once (fresh data folder and cache); seconds until all ready."""
    data = work / "data"
    shutil.rmtree(data, ignore_errors=True)
    settings = ServeSettings(data_dir=data, cache_dir=data / "cache", config=config)
    store = ArticleStore(data)
    queue = RedisQueue(QueueSettings(state_dir=work, url=url, max_pending=10_000))
    started = time.perf_counter()
    for article_id, release in releases.items():
        submit(queue, store, settings, article_id, release)
    wait_ready(store, list(releases))
    seconds = time.perf_counter() - started
    queue.close()
    return seconds


def direct(work: Path, config: Path, article_id: str, release: str) -> float:
    """The same task function, called in this process, cold cache."""
    from bulletin.web.tasks import make_article

    data = work / "direct"
    shutil.rmtree(data, ignore_errors=True)
    store = ArticleStore(data)
    store.write_source(article_id, 1, release)
    store.write(
        ArticleState(article_id, 1, "queued", article_digest(release, None, None), created=1.0)
    )
    started = time.perf_counter()
    make_article(str(data), article_id, 1, str(config), str(data / "cache"))
    seconds = time.perf_counter() - started
    assert store.read(article_id).status == "ready"
    return seconds


def empty_jobs(url: str, work: Path, count: int = 20) -> float:
    """The queue's own cost: the median time from submit to done of a task doing nothing
    (``os:getpid``), one at a time, on an idle worker."""
    from bulletin.jobs import Task

    queue = RedisQueue(QueueSettings(state_dir=work, url=url))
    times = []
    for index in range(count):
        started = time.perf_counter()
        key = queue.submit(Task("os:getpid", {}, key=f"empty:{index}:{started}")).key
        while queue.state(key).status != "done":
            time.sleep(0.001)
        times.append(time.perf_counter() - started)
    queue.close()
    return sorted(times)[count // 2]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=10)
    parser.add_argument("--repeat", type=int, default=2)
    parser.add_argument("--long", type=Path, default=CORPUS / "16-weekly-roundup.txt")
    parser.add_argument("--voice", default="ky-azamat", help="the fan-out's voice (a slow one)")
    parser.add_argument("--slice", type=int, default=60, help="sentences per clip job")
    parser.add_argument("--parts", default="throughput,overhead,fanout")
    args = parser.parse_args()

    root = Path(tempfile.mkdtemp(prefix="bench-queue-"))
    redis_process, url = start_redis(root)
    whole = root / "whole.toml"
    whole.write_text(CONFIG.format(voice="ky-espeak", fanout=0))  # 0: never split
    slow_whole = root / "slow-whole.toml"
    slow_whole.write_text(CONFIG.format(voice=args.voice, fanout=0))
    split = root / "split.toml"
    split.write_text(CONFIG.format(voice=args.voice, fanout=8) + f"fanout_slice = {args.slice}\n")
    parts = args.parts.split(",")
    corpus = sorted(p for p in CORPUS.glob("*.txt") if p != args.long)[: args.articles]
    releases = {f"a{i}": release_of(p) for i, p in enumerate(corpus)}
    try:
        # -- throughput --------------------------------------------------------------
        rates = {}
        for count in (1, 2) if "throughput" in parts else ():
            workers = Workers(url, whole, count, root / f"home{count}")
            try:
                best = min(
                    batch(url, root / f"t{count}", whole, releases) for _ in range(args.repeat)
                )
            finally:
                workers.stop()
            rates[count] = len(releases) / best * 60
            print(f"throughput  {count} worker(s): {len(releases)} articles in {best:6.2f} s "
                  f"= {rates[count]:6.1f} articles/min", flush=True)  # fmt: skip
        if rates:
            print(f"throughput  2 workers / 1 worker: {rates[2] / rates[1]:.2f}x  (goal >= "
                  f"1.8x; {os.cpu_count()} cores here)", flush=True)  # fmt: skip

        # -- overhead ----------------------------------------------------------------
        if "overhead" in parts:
            article_id, release = next(iter(releases.items()))
            direct(root, whole, "warmup", release)  # imports, voice
            workers = Workers(url, whole, 1, root / "home-o")
            try:
                batch(url, root / "o-warm", whole, {"warmup": release})
                queued, alone = [], []
                for _ in range(max(3, args.repeat)):
                    alone.append(direct(root, whole, article_id, release))
                    queued.append(batch(url, root / "o", whole, {article_id: release}))
                empty = empty_jobs(url, root)
            finally:
                workers.stop()
            q, d = min(queued), min(alone)
            print(f"overhead    direct {d:6.3f} s, through the queue {q:6.3f} s: "
                  f"{(q / d - 1) * 100:+.1f} % per job  (goal <= +5 %)", flush=True)  # fmt: skip
            print(f"overhead    an empty job, submit -> done: {empty * 1000:.0f} ms = "
                  f"{empty / d * 100:+.1f} % of the direct make", flush=True)  # fmt: skip

        # -- fan-out -----------------------------------------------------------------
        if "fanout" in parts:
            long = {"roundup": release_of(args.long)}
            from bulletin.config import load_settings
            from bulletin.make import Job, spoken_texts

            sentences = len(spoken_texts(Job("roundup", (args.long,)), load_settings(whole)))
            one = Workers(url, slow_whole, 1, root / "home-f1", args.voice)
            try:
                whole_s = min(batch(url, root / "f1", slow_whole, long) for _ in range(args.repeat))
            finally:
                one.stop()
            two = Workers(url, split, 2, root / "home-f2", args.voice)
            try:
                split_s = min(batch(url, root / "f2", split, long) for _ in range(args.repeat))
            finally:
                two.stop()
            print(f"fan-out     {args.long.name} ({sentences} sentences, {args.voice}): one worker "
                  f"{whole_s:6.2f} s, fanned out on 2 workers {split_s:6.2f} s = "
                  f"{split_s / whole_s:.2f}x  (goal <= 0.55x)", flush=True)  # fmt: skip
    finally:
        redis_process.terminate()
        redis_process.wait()
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
