"""The distributed queue (RQ on a real redis-server, ``bulletin worker`` processes):
throughput with 1 and 2 workers, the queue's overhead per job, and a long round-up fanned
out as clip jobs against one worker making it whole.

    setsid python bench/bench_queue.py [--articles 10] [--stream 30] [--repeat 3]
                                       [--long RELEASE.txt] [--parts throughput,stream,...]

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
              on 2 cores share them with Redis and this script, whose wait for the
              articles looks at one state file's time every 10 ms)
  stream      the same as a steady stream: ``--stream`` articles (the releases over and
              over, each copy with a clip cache of its own, so made again in full), all
              submitted at once, longest first: the batch's tail (the last article on one
              worker while the other is idle) weighs less than in 10, so this is the
              fairer measure of what a second worker adds; both rows are printed
  overhead    one article through the queue (submit -> ready, an idle warm worker) against
              the same task function called directly in this process (warm imports), at
              least 5 rounds, and an empty job's submit -> done (goal: <= +5 %)
  fan-out     the long release (default: the weekly round-up) made whole by one worker
              process, against 2 worker processes sharing it as clip jobs plus one assembly
              job that masters on every core (goal: <= 0.55x); the two MP3s must be the same
              bytes. Voice: ``--voice`` (default ky-azamat, RHVoice); the other rows use
              ky-espeak

Under each row, for each side's best round, where the time went (:class:`Usage`): CPU
seconds of its workers (all their processes; over the time: the cores kept busy), of
Redis and of this script; from RQ's record of each job, the time between jobs and the
tail (workers idle before the last job ended); for the fan-out, the splitting, the clip
jobs (and the workers' idle time among them) and the assembly (:func:`phases`).
"""

from __future__ import annotations

import argparse
import itertools
import os
import resource
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


def session_cpu(session: int) -> float:
    """CPU seconds (user + system, with reaped children's) of the processes of ``session``."""
    total = 0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[3]) == session:
            total += sum(int(x) for x in fields[11:15])
    return total / os.sysconf("SC_CLK_TCK")


def process_cpu(pid: int) -> float:
    """CPU seconds (user + system) of one process so far."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return sum(int(x) for x in fields[11:13]) / os.sysconf("SC_CLK_TCK")


def own_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


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

    def cpu(self) -> float:
        """CPU seconds used so far by every process of these workers' sessions (the
        ``bulletin worker`` supervisors, their worker processes and whatever a job starts;
        a process that ended is counted in its parent's children's time)."""
        return sum(session_cpu(process.pid) for process in self.processes)

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
    """Until every article is ready, waiting for each in turn: every 10 ms a look at the
    time its state file last changed, read only when it did (reading every article's
    state at each poll took ~5 % of a core from the workers at 10 articles)."""
    deadline = time.monotonic() + timeout
    for article_id in ids:
        path, seen = store.folder(article_id) / "state.json", None
        while True:
            try:
                changed = path.stat().st_mtime_ns
            except FileNotFoundError:
                changed = None
            if changed != seen:
                seen = changed
                state = store.read(article_id)
                if state and state.status in ("ready", "failed"):
                    if state.status == "failed":
                        raise SystemExit(f"{article_id} failed: {state.error}")
                    break
            if time.monotonic() > deadline:
                raise SystemExit(f"not ready: {article_id}")
            time.sleep(0.01)


def batch(
    url, data: Path, config: Path, releases: dict[str, str], caches: dict[str, str] | None = None
) -> float:
    """Submit every release at once (fresh data folder and cache; ``caches``: a clip cache
    folder of its own for each article, so that a repeated text is made again); seconds
    until all are ready."""
    shutil.rmtree(data, ignore_errors=True)
    store = ArticleStore(data)
    queue = RedisQueue(QueueSettings(state_dir=data, url=url, max_pending=10_000))
    started = time.perf_counter()
    for article_id, release in releases.items():
        cache = data / (caches[article_id] if caches else "cache")
        settings = ServeSettings(data_dir=data, cache_dir=cache, config=config)
        submit(queue, store, settings, article_id, release)
    wait_ready(store, list(releases))
    seconds = time.perf_counter() - started
    queue.close()
    return seconds


class Usage:
    """CPU seconds used during each run of a row's side: by its workers (all their
    processes), Redis and this script; and how its workers spent the time, from RQ's
    record of each job (when it started and ended, on which worker)."""

    def __init__(self, workers: Workers, redis_pid: int) -> None:
        self.workers, self.redis_pid = workers, redis_pid
        self.runs: list[dict[str, float]] = []

    def __call__(self, run, keys: list[str] | None = None) -> float:
        before = (self.workers.cpu(), process_cpu(self.redis_pid), own_cpu())
        seconds = run()
        after = (self.workers.cpu(), process_cpu(self.redis_pid), own_cpu())
        record = {
            "seconds": seconds,
            "workers": after[0] - before[0],
            "redis": after[1] - before[1],
            "bench": after[2] - before[2],
        }
        if keys:
            record.update(job_times(self.workers.url, keys))
        self.runs.append(record)
        return seconds

    def line(self, name: str) -> str:
        """The best run's figures."""
        r = min(self.runs, key=lambda run: run["seconds"])
        text = (
            f"{name} {r['seconds']:.2f} s: workers' CPU {r['workers']:.1f} s "
            f"({r['workers'] / r['seconds']:.2f} cores), redis {r['redis']:.2f} s, "
            f"this script {r['bench']:.2f} s"
        )
        if "jobs" in r:
            text += (
                f"; {r['jobs']:.0f} jobs ran {r['busy']:.1f} s in all, {r['gaps']:.2f} s "
                f"between jobs, tail {r['tail']:.2f} s"
            )
        return text


def job_records(url: str, keys: list[str]) -> dict[str, tuple[str, float, float]]:
    """``{key: (worker, started, ended)}`` from RQ's records of the tasks ``keys`` that ran
    (an article is ready a moment before RQ records its job's end: waited for)."""
    from rq.job import Job
    from rq.serializers import JSONSerializer

    from bulletin.jobs.redis import connect, job_id

    connection = connect(url)
    found: dict[str, tuple[str, float, float]] = {}
    deadline = time.monotonic() + 10
    for key in keys:
        while True:
            try:
                job = Job.fetch(job_id(key), connection=connection, serializer=JSONSerializer)
            except Exception:  # noqa: BLE001 - no such task (a clip job index not used)
                break
            if job.started_at and job.ended_at:
                found[key] = (
                    job.worker_name or "?",
                    job.started_at.timestamp(),
                    job.ended_at.timestamp(),
                )
                break
            if time.monotonic() > deadline:
                break
            time.sleep(0.05)
    connection.close()
    return found


def job_times(url: str, keys: list[str]) -> dict[str, float]:
    """From RQ's records of the tasks ``keys``: how many ran; their run time in all; the
    time between one job's end and the next one's start on the same worker (dequeueing,
    recording); the tail: for each worker, how long before the last job's end it ran out
    of work, summed."""
    by_worker: dict[str, list[tuple[float, float]]] = {}
    for worker, start, end in job_records(url, keys).values():
        by_worker.setdefault(worker, []).append((start, end))
    spans = [sorted(times) for times in by_worker.values()]
    last = max((times[-1][1] for times in spans), default=0.0)
    return {
        "jobs": sum(len(times) for times in spans),
        "busy": sum(end - start for times in spans for start, end in times),
        "gaps": sum(b[0] - a[1] for times in spans for a, b in itertools.pairwise(times)),
        "tail": sum(last - times[-1][1] for times in spans),
    }


def phases(url: str, base: str, sentences: int) -> dict[str, float]:
    """Where a fanned-out article's time went, from RQ's records: the first job (reading
    and splitting), the clip jobs (from the first one's start to the last one's end; and
    how long each worker was idle in that span), and the assembly job."""
    clips = [f"{base}:clips:{i}" for i in range(sentences)]
    records = job_records(url, [base, *clips, f"{base}:then"])
    made = [records[key] for key in clips if key in records]
    first, last = min(r[1] for r in made), max(r[2] for r in made)
    busy: dict[str, float] = {}
    for worker, start, end in made:
        busy[worker] = busy.get(worker, 0.0) + end - start
    then = records[f"{base}:then"]
    return {
        "split": records[base][2] - records[base][1],
        "clips": last - first,
        "clip_jobs": len(made),
        "clip_idle": sum(last - first - b for b in busy.values()),
        "before_assembly": then[1] - last,
        "assembly": then[2] - then[1],
    }


def direct(work: Path, config: Path, article_id: str, release: str) -> float:
    """The same task function, called in this process, cold cache, as a worker process
    calls it (one core's worth: no helper threads, see :func:`bulletin.jobs.job_threads`)."""
    from bulletin.jobs import allow_job_threads
    from bulletin.web.tasks import make_article

    allow_job_threads(False)

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


def throughput(
    label: str,
    sides: tuple[Workers, Workers],
    usage: tuple[Usage, Usage],
    root: Path,
    config: Path,
    releases: dict[str, str],
    caches: dict[str, str] | None,
    rounds: int,
) -> None:
    """One throughput row: the batch ``releases`` on one worker against two, interleaved."""
    one, two = sides
    keys = [f"article:{article_id}:v1" for article_id in releases]
    t1, t2 = interleaved(
        lambda: usage[0](lambda: batch(one.url, root / "t1", config, releases, caches), keys),
        lambda: usage[1](lambda: batch(two.url, root / "t2", config, releases, caches), keys),
        rounds,
    )
    n = len(releases)
    print(f"throughput  {label}: 1 worker {n / min(t1) * 60:6.1f}/min, 2 workers "
          f"{n / min(t2) * 60:6.1f}/min; 2 workers / 1 = {min(t1) / min(t2):.2f}x (median of "
          f"rounds {statistics.median(a / b for a, b in zip(t1, t2, strict=True)):.2f}x; "
          f"rounds 1: {', '.join(f'{x:.2f}' for x in t1)} s, 2: "
          f"{', '.join(f'{x:.2f}' for x in t2)} s)  (goal >= 1.8x)  [{load()}]",
          flush=True)  # fmt: skip
    print(f"            {usage[0].line('1 worker')}", flush=True)
    print(f"            {usage[1].line('2 workers')}", flush=True)
    for side in usage:
        side.runs.clear()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=10)
    parser.add_argument("--stream", type=int, default=30, help="articles of the steady stream")
    parser.add_argument("--repeat", type=int, default=3, help="rounds of each row")
    parser.add_argument("--long", type=Path, default=CORPUS / "16-weekly-roundup.txt")
    parser.add_argument("--voice", default="ky-azamat", help="the fan-out's voice (a slow one)")
    parser.add_argument("--slice", type=int, default=60, help="most sentences per clip job")
    parser.add_argument("--parts", default="throughput,stream,overhead,fanout")
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
    # the steady stream: the same releases over and over, each copy with a clip cache of
    # its own (so made again in full), all submitted at once, longest first
    stream = sorted(
        range(args.stream), key=lambda i: (-len(release_of(corpus[i % len(corpus)])), i)
    )
    streamed = {f"s{i}": release_of(corpus[i % len(corpus)]) for i in stream}
    caches = {f"s{i}": f"cache{i // len(corpus)}" for i in stream}
    print(f"bench_queue: {os.cpu_count()} cores, {load()}", flush=True)
    started: list[Workers] = []
    try:
        # -- throughput and overhead: 1 worker process on db 1, 2 on db 2 -----------------
        if {"throughput", "stream", "overhead"} & set(parts):
            one = Workers(f"{server}/1", whole, 1, root / "home1")
            started.append(one)
        if {"throughput", "stream"} & set(parts):
            two = Workers(f"{server}/2", whole, 2, root / "home2")
            started.append(two)
            batch(one.url, root / "warm1", whole, {"w": release_of(corpus[0])})
            batch(two.url, root / "warm2", whole, {"w": release_of(corpus[0])})
            usage = (Usage(one, redis_process.pid), Usage(two, redis_process.pid))
            if "throughput" in parts:
                label = f"{len(releases)} articles (ky-espeak)"
                throughput(label, (one, two), usage, root, whole, releases, None, args.repeat)
            if "stream" in parts:
                label = f"a steady stream of {len(streamed)} articles (ky-espeak)"
                throughput(label, (one, two), usage, root, whole, streamed, caches, args.repeat)
            two.stop()
            started.remove(two)

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
            usage = (Usage(one, redis_process.pid), Usage(two, redis_process.pid))
            base = "article:roundup:v1"
            steps: list[dict[str, float]] = []

            def fanned() -> float:
                seconds = usage[1](lambda: batch(two.url, root / "f2", split, long))
                steps.append(phases(two.url, base, sentences))
                return seconds

            def same_bytes() -> bool:
                a = ArticleStore(root / "f1").output_dir("roundup", 1) / "article.mp3"
                b = ArticleStore(root / "f2").output_dir("roundup", 1) / "article.mp3"
                return a.read_bytes() == b.read_bytes()

            identical = []

            def checked_whole() -> float:
                return usage[0](lambda: batch(one.url, root / "f1", slow_whole, long))

            split_s, whole_s = [], []
            for index in range(args.repeat):
                pair = (fanned, checked_whole) if index % 2 == 0 else (checked_whole, fanned)
                for side in pair:
                    (split_s if side is fanned else whole_s).append(side())
                identical.append(same_bytes())
            assembled = ", ".join(f"{x['assembly']:.1f}" for x in steps)
            print(f"fan-out     {args.long.name} ({sentences} sentences, {args.voice}), fanned out "
                  f"on 2 workers / one worker whole: {ratios(split_s, whole_s)}  (goal <= 0.55x); "
                  f"the assembly job {assembled} s; MP3 "
                  f"the same bytes: {all(identical)}  [{load()}]", flush=True)  # fmt: skip
            print(f"            {usage[0].line('whole')}", flush=True)
            print(f"            {usage[1].line('fanned out')}", flush=True)
            best = steps[split_s.index(min(split_s))]
            print(f"            fanned out, its best round: splitting {best['split']:.2f} s, "
                  f"{best['clip_jobs']:.0f} clip jobs {best['clips']:.2f} s (the workers idle "
                  f"{best['clip_idle']:.2f} s in all meanwhile), then {best['before_assembly']:.2f}"
                  f" s to the assembly job, which ran {best['assembly']:.2f} s", flush=True)  # fmt: skip
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
