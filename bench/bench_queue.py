"""The distributed queue (RQ on a real redis-server, ``bulletin worker`` processes):
throughput with 1 and 2 workers, the queue's overhead per job, and a long round-up fanned
out as clip jobs against one worker making it whole.

    setsid python bench/bench_queue.py [--articles 10] [--repeat 3] [--long RELEASE.txt]

(``setsid``: this process, which makes the overhead's direct make, in a session of its own,
as every worker is; see :class:`Workers`.)

Everything runs on this machine, in the same run, with cold clip caches. Each row compares
its two sides interleaved, round by round (A B, then B A, ...), with both sides' workers
started before the first round and idle (blocked on Redis, no CPU) while the other side
runs, so a change in the machine's load falls on both; each row prints the load average
when it ended, the ratio of the best rounds, and the median of the per-round ratios:

  throughput  ``--articles`` corpus releases submitted at once, longest first (so that
              the batch's tail weighs least), time until all are ready:
              one worker process against two (each side on its own Redis database; each
              process a ``bulletin worker`` in its own session, see :class:`Workers`);
              articles per minute and the ratio (goal: 2 workers >= 1.8x one; 2 processes
              on 2 cores share them with Redis and this script)
  overhead    one article through the queue (submit -> ready, an idle warm worker) against
              the same task function called directly in this process (warm imports), at
              least 5 rounds, and an empty job's submit -> done (goal: <= +5 %)
  fan-out     the long release (default: the weekly round-up) made whole by one worker
              process, against 2 worker processes sharing it as clip jobs plus one assembly
              job that masters on every core (goal: <= 0.55x); the two MP3s must be the same
              bytes. Voice: ``--voice`` (default ky-azamat, RHVoice); the other rows use
              ky-espeak
"""

from __future__ import annotations

import argparse
import os
import shutil
import signal
import socket
import statistics
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
    """A redis-server on a free port; returns it and the URL of its server (no database)."""
    port = free_port()
    process = subprocess.Popen(
        [shutil.which("redis-server") or "redis-server", "--port", str(port),
         "--bind", "127.0.0.1", "--dir", str(folder), "--appendonly", "yes",
         "--appendfsync", "everysec", "--save", "", "--loglevel", "warning"],
        stdout=subprocess.DEVNULL,
    )  # fmt: skip
    url = f"redis://127.0.0.1:{port}"
    import redis

    for _ in range(200):
        try:
            redis.Redis.from_url(url).ping()
            return process, url
        except redis.exceptions.ConnectionError:
            time.sleep(0.05)
    raise SystemExit("redis-server did not start")


def load() -> str:
    return "load average " + " ".join(f"{x:.1f}" for x in os.getloadavg())


class Workers:
    """``count`` worker processes on the Redis database ``url``: each a ``bulletin worker``
    of its own, in a session of its own, as ``count`` machines would run them. (Linux
    shares a busy CPU between sessions, not processes (``sched_autogroup``): the two
    processes of one ``bulletin worker --concurrency 2`` would get one session's share,
    no more than one process, while other sessions keep the machine busy.)"""

    def __init__(
        self, url: str, config: Path, count: int, home: Path, voice: str = "ky-espeak"
    ) -> None:
        from rq import Worker

        self.url = url
        env = {**os.environ, "BULLETIN_QUEUE_URL": url, "XDG_CACHE_HOME": str(home)}
        self.processes = [
            subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "bulletin",
                    "worker",
                    "--config",
                    str(config),
                    "--concurrency",
                    "1",
                    "--voices",
                    voice,
                ],
                env=env,
                cwd=ROOT,
                stderr=subprocess.DEVNULL,
                start_new_session=True,
            )  # fmt: skip
            for _ in range(count)
        ]
        import redis

        connection = redis.Redis.from_url(url)
        deadline = time.monotonic() + 120
        while Worker.count(connection=connection) < count:
            if time.monotonic() > deadline or any(p.poll() is not None for p in self.processes):
                raise SystemExit("workers did not start")
            time.sleep(0.05)

    def stop(self) -> None:
        for process in self.processes:
            process.send_signal(signal.SIGTERM)
        for process in self.processes:
            process.wait(timeout=120)


def release_of(path: Path) -> str:
    return path.read_text(encoding="utf-8").strip() + "\n"


def submit(queue, store, settings, article_id: str, release: str) -> None:
    store.write_source(article_id, 1, release)
    state = store.write(
        ArticleState(article_id, 1, "queued", article_digest(release, None, None), created=1.0)
    )
    queue.submit(article_task(settings, state))


def wait_ready(store: ArticleStore, ids: list[str], timeout: float = 3600) -> None:
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


def batch(url, data: Path, config: Path, releases: dict[str, str]) -> float:
    """Submit every release at once (fresh data folder and cache); seconds until all ready."""
    shutil.rmtree(data, ignore_errors=True)
    settings = ServeSettings(data_dir=data, cache_dir=data / "cache", config=config)
    store = ArticleStore(data)
    queue = RedisQueue(QueueSettings(state_dir=data, url=url, max_pending=10_000))
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


def interleaved(a, b, rounds: int) -> tuple[list[float], list[float]]:
    """``a()`` and ``b()`` ``rounds`` times each, alternating which goes first."""
    first, second = [], []
    for index in range(rounds):
        if index % 2 == 0:
            first.append(a())
            second.append(b())
        else:
            second.append(b())
            first.append(a())
    return first, second


def ratios(top: list[float], bottom: list[float]) -> str:
    each = [t / b for t, b in zip(top, bottom, strict=True)]
    return (
        f"best {min(top):.2f} s / {min(bottom):.2f} s = {min(top) / min(bottom):.2f}x, "
        f"median of rounds {statistics.median(each):.2f}x (rounds: "
        + ", ".join(f"{r:.2f}" for r in each)
        + ")"
    )


def assembly_seconds(url: str, article_id: str) -> float | None:
    """How long the fanned-out article's assembly job ran (from RQ's record of it)."""
    from rq.job import Job
    from rq.serializers import JSONSerializer

    from bulletin.jobs.redis import connect, job_id

    deadline = time.monotonic() + 10  # the article is ready a moment before RQ records it
    while time.monotonic() < deadline:
        try:
            job = Job.fetch(
                job_id(f"article:{article_id}:v1:then"), connection=connect(url),
                serializer=JSONSerializer,
            )  # fmt: skip
        except Exception:
            return None
        if job.started_at and job.ended_at:
            return (job.ended_at - job.started_at).total_seconds()
        time.sleep(0.1)
    return None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=10)
    parser.add_argument("--repeat", type=int, default=3, help="rounds of each row")
    parser.add_argument("--long", type=Path, default=CORPUS / "16-weekly-roundup.txt")
    parser.add_argument("--voice", default="ky-azamat", help="the fan-out's voice (a slow one)")
    parser.add_argument("--slice", type=int, default=60, help="most sentences per clip job")
    parser.add_argument("--parts", default="throughput,overhead,fanout")
    args = parser.parse_args()

    root = Path(tempfile.mkdtemp(prefix="bench-queue-"))
    redis_process, server = start_redis(root)
    whole = root / "whole.toml"
    whole.write_text(CONFIG.format(voice="ky-espeak", fanout=0))  # 0: never split
    slow_whole = root / "slow-whole.toml"
    slow_whole.write_text(CONFIG.format(voice=args.voice, fanout=0))
    split = root / "split.toml"
    split.write_text(CONFIG.format(voice=args.voice, fanout=8) + f"fanout_slice = {args.slice}\n")
    parts = args.parts.split(",")
    corpus = sorted(p for p in CORPUS.glob("*.txt") if p != args.long)[: args.articles]
    first = corpus[0]  # the overhead's article: 01-economy, a typical one
    # longest first: the batch's tail (one worker idle while the other ends the last
    # article) is then as short as the batch allows; both sides get the same order
    corpus.sort(key=lambda p: len(release_of(p)), reverse=True)
    releases = {f"a{i}": release_of(p) for i, p in enumerate(corpus)}
    print(f"bench_queue: {os.cpu_count()} cores, {load()}", flush=True)
    started: list[Workers] = []
    try:
        # -- throughput and overhead: 1 worker process on db 1, 2 on db 2 -----------------
        if "throughput" in parts or "overhead" in parts:
            one = Workers(f"{server}/1", whole, 1, root / "home1")
            started.append(one)
        if "throughput" in parts:
            two = Workers(f"{server}/2", whole, 2, root / "home2")
            started.append(two)
            batch(one.url, root / "warm1", whole, {"w": release_of(corpus[0])})
            batch(two.url, root / "warm2", whole, {"w": release_of(corpus[0])})
            t1, t2 = interleaved(
                lambda: batch(one.url, root / "t1", whole, releases),
                lambda: batch(two.url, root / "t2", whole, releases),
                args.repeat,
            )
            two.stop()
            started.remove(two)
            n = len(releases)
            print(f"throughput  {n} articles (ky-espeak): 1 worker {n / min(t1) * 60:6.1f}/min, "
                  f"2 workers {n / min(t2) * 60:6.1f}/min; 2 workers / 1 = "
                  f"{min(t1) / min(t2):.2f}x (median of rounds "
                  f"{statistics.median(a / b for a, b in zip(t1, t2, strict=True)):.2f}x; "
                  f"rounds 1: {', '.join(f'{x:.2f}' for x in t1)} s, 2: "
                  f"{', '.join(f'{x:.2f}' for x in t2)} s)  (goal >= 1.8x)  [{load()}]",
                  flush=True)  # fmt: skip

        if "overhead" in parts:
            article_id, release = "economy", release_of(first)
            direct(root, whole, "warmup", release)  # imports, voice
            batch(one.url, root / "o-warm", whole, {"warmup": release})
            queued, alone = interleaved(
                lambda: batch(one.url, root / "o", whole, {article_id: release}),
                lambda: direct(root, whole, article_id, release),
                max(5, args.repeat),
            )
            empty = empty_jobs(one.url, root)
            q, d = min(queued), min(alone)
            each = [a / b - 1 for a, b in zip(queued, alone, strict=True)]
            print(f"overhead    one article through the queue / made directly: {ratios(queued, alone)}"
                  f" = {(q / d - 1) * 100:+.1f} % per job, median of rounds "
                  f"{statistics.median(each) * 100:+.1f} %  (goal <= +5 %)  [{load()}]",
                  flush=True)  # fmt: skip
            print(f"overhead    an empty job, submit -> done: {empty * 1000:.0f} ms = "
                  f"{empty / d * 100:+.1f} % of the direct make", flush=True)  # fmt: skip
        for workers in started:
            workers.stop()
        started.clear()

        # -- fan-out: 1 worker process making it whole on db 3, 2 sharing it on db 4 -------
        if "fanout" in parts:
            from bulletin.config import load_settings
            from bulletin.make import Job, spoken_texts

            long = {"roundup": release_of(args.long)}
            sentences = len(spoken_texts(Job("roundup", (args.long,)), load_settings(whole)))
            one = Workers(f"{server}/3", slow_whole, 1, root / "home-f1", args.voice)
            started.append(one)
            two = Workers(f"{server}/4", split, 2, root / "home-f2", args.voice)
            started.append(two)
            assembly: list[float] = []

            def fanned() -> float:
                seconds = batch(two.url, root / "f2", split, long)
                assembly.append(assembly_seconds(two.url, "roundup") or float("nan"))
                return seconds

            def same_bytes() -> bool:
                a = ArticleStore(root / "f1").output_dir("roundup", 1) / "article.mp3"
                b = ArticleStore(root / "f2").output_dir("roundup", 1) / "article.mp3"
                return a.read_bytes() == b.read_bytes()

            identical = []

            def checked_whole() -> float:
                return batch(one.url, root / "f1", slow_whole, long)

            split_s, whole_s = [], []
            for index in range(args.repeat):
                pair = (fanned, checked_whole) if index % 2 == 0 else (checked_whole, fanned)
                for side in pair:
                    (split_s if side is fanned else whole_s).append(side())
                identical.append(same_bytes())
            print(f"fan-out     {args.long.name} ({sentences} sentences, {args.voice}), fanned out "
                  f"on 2 workers / one worker whole: {ratios(split_s, whole_s)}  (goal <= 0.55x); "
                  f"the assembly job {', '.join(f'{x:.1f}' for x in assembly)} s; MP3 the same "
                  f"bytes: {all(identical)}  [{load()}]", flush=True)  # fmt: skip
            if not all(identical):
                raise SystemExit("fan-out: the MP3s differ")
    finally:
        for workers in started:
            workers.stop()
        redis_process.terminate()
        redis_process.wait()
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
