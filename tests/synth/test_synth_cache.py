"""The clip cache and synthesize_clips: hits, keys, corruption, concurrency, jobs."""

from __future__ import annotations

import dataclasses
import multiprocessing
from pathlib import Path

import numpy as np
import soundfile as sf
from synth_models import corpus_sentences

from bulletin.synth import (
    cache_clear,
    cache_info,
    resolve_voice,
    start_workers,
    synthesize_clips,
)
from bulletin.synth.cache import remove_temporary_caches
from bulletin.workers import process_pool

TEXTS = ["Салам.", "Бүгүн 5 градус жылуу.", "Салам.", "", "Өкмөт жаңы мыйзам долбоорун талкуулады."]


def test_clips_in_order_and_readable(tmp_path: Path) -> None:
    preset = resolve_voice("ky-espeak")
    stats: dict = {}
    done: list[int] = []
    clips = synthesize_clips(
        TEXTS, preset, cache_dir=tmp_path, jobs=1, progress=done.append, stats=stats
    )
    assert len(clips) == len(TEXTS)
    assert stats["hits"] == 0 and stats["misses"] == 5 and stats["synthesised"] == 4
    assert done[-1] == 5 and done == sorted(done)
    assert clips[0] == clips[2]  # duplicates share one clip
    assert clips[3].samples == 0
    for clip in clips:
        audio, rate = sf.read(clip.path, dtype="float32")
        assert rate == clip.sample_rate == 22050
        assert len(audio) == clip.samples
    assert clips[4].samples > clips[0].samples
    assert cache_info(tmp_path) == (4, sum(c.path.stat().st_size for c in {*clips}))


def test_second_run_hits_the_cache(tmp_path: Path) -> None:
    preset = resolve_voice("ky-espeak")
    first = synthesize_clips(TEXTS, preset, cache_dir=tmp_path, jobs=1)
    stats: dict = {}
    second = synthesize_clips(TEXTS, preset, cache_dir=tmp_path, jobs=1, stats=stats)
    assert second == first
    assert stats == {**stats, "hits": 5, "misses": 0, "synthesised": 0}


def test_key_changes_with_rate_respell_and_text(tmp_path: Path) -> None:
    preset = resolve_voice("ky-espeak")
    base = synthesize_clips(["Бүгүн 5 градус."], preset, cache_dir=tmp_path, jobs=1)[0]
    for changed in (
        dataclasses.replace(preset, rate=200),
        dataclasses.replace(preset, respell=()),
    ):
        stats: dict = {}
        clip = synthesize_clips(
            ["Бүгүн 5 градус."], changed, cache_dir=tmp_path, jobs=1, stats=stats
        )[0]
        assert stats["misses"] == 1 and clip.path != base.path
    stats = {}
    synthesize_clips(["Бүгүн 6 градус."], preset, cache_dir=tmp_path, jobs=1, stats=stats)
    assert stats["misses"] == 1
    # texts that respell to the same spoken text share a clip
    stats = {}
    synthesize_clips(["Бүгүн 5 гырадус."], preset, cache_dir=tmp_path, jobs=1, stats=stats)
    assert stats["hits"] == 1


def test_corrupt_and_truncated_entries_are_remade(tmp_path: Path) -> None:
    preset = resolve_voice("ky-espeak")
    texts = ["Салам.", "Бүгүн 5 градус жылуу."]
    clips = synthesize_clips(texts, preset, cache_dir=tmp_path, jobs=1)
    good = [c.path.read_bytes() for c in clips]
    blob = bytearray(good[0])
    blob[len(blob) // 2] ^= 0xFF
    clips[0].path.write_bytes(bytes(blob))  # corrupt
    clips[1].path.write_bytes(good[1][: len(good[1]) // 2])  # truncated
    stats: dict = {}
    again = synthesize_clips(texts, preset, cache_dir=tmp_path, jobs=1, stats=stats)
    assert stats["misses"] == 2
    assert [c.path.read_bytes() for c in again] == good


def test_clear_and_info(tmp_path: Path) -> None:
    synthesize_clips(TEXTS, resolve_voice("ky-espeak"), cache_dir=tmp_path, jobs=1)
    (tmp_path / ".leftover.part").write_bytes(b"x")
    assert cache_info(tmp_path)[0] == 4
    assert cache_clear(tmp_path) == 4
    assert cache_info(tmp_path) == (0, 0)
    assert list(tmp_path.iterdir()) == []
    assert cache_info(tmp_path / "missing") == (0, 0)


def test_no_cache_uses_a_temporary_folder() -> None:
    clips = synthesize_clips(["Салам."], resolve_voice("ky-espeak"), cache_dir=None, jobs=1)
    folder = clips[0].path.parent
    assert clips[0].path.is_file()
    remove_temporary_caches()
    assert not folder.exists()


def _writer(directory: str, texts: list[str], out) -> None:  # noqa: ANN001
    clips = synthesize_clips(texts, resolve_voice("ky-espeak"), cache_dir=Path(directory), jobs=1)
    out.put([c.path.read_bytes() for c in clips])


def test_two_processes_share_a_cache(tmp_path: Path) -> None:
    texts = corpus_sentences(limit=30)
    context = multiprocessing.get_context("spawn")
    queue = context.Queue()
    procs = [context.Process(target=_writer, args=(str(tmp_path), texts, queue)) for _ in range(2)]
    for p in procs:
        p.start()
    results = [queue.get(timeout=120) for _ in procs]
    for p in procs:
        p.join(timeout=60)
        assert p.exitcode == 0
    assert results[0] == results[1]
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]  # no temp files left
    stats: dict = {}
    clips = synthesize_clips(
        texts, resolve_voice("ky-espeak"), cache_dir=tmp_path, jobs=1, stats=stats
    )
    assert stats["misses"] == 0
    assert [c.path.read_bytes() for c in clips] == results[0]


def test_jobs_1_and_2_give_identical_clips(tmp_path: Path) -> None:
    """The whole longest release (272 sentences: numbers, spelled letters such as "Ж.",
    quotes), so that no espeak state carried between utterances goes unnoticed."""
    texts = corpus_sentences("16-weekly-roundup.txt")
    preset = resolve_voice("ky-espeak")
    one = synthesize_clips(texts, preset, cache_dir=tmp_path / "1", jobs=1)
    stats: dict = {}
    two = synthesize_clips(texts, preset, cache_dir=tmp_path / "2", jobs=2, stats=stats)
    assert stats["jobs"] == 2  # really used a worker process
    assert [c.path.read_bytes() for c in one] == [c.path.read_bytes() for c in two]
    assert [c.path.name for c in one] == [c.path.name for c in two]
    assert [c.words for c in one] == [c.words for c in two]  # word times too
    assert np.sum([c.samples for c in two]) > 0


def test_a_shared_pool_serves_two_calls_with_identical_clips(tmp_path: Path) -> None:
    """One pool for a whole run (as the CLI makes it): its worker keeps the voice between
    calls, and the clips are the ones one process makes."""
    texts = corpus_sentences("16-weekly-roundup.txt", limit=120)
    preset = resolve_voice("ky-espeak")
    one = synthesize_clips(texts, preset, cache_dir=tmp_path / "1", jobs=1)
    with process_pool(2) as pool:
        for run in ("a", "b"):
            stats: dict = {}
            shared = synthesize_clips(
                texts, preset, cache_dir=tmp_path / run, jobs=2, stats=stats, pool=pool
            )
            assert stats["jobs"] == 2 and stats["synthesised"] == len(set(texts))
            assert [c.path.read_bytes() for c in shared] == [c.path.read_bytes() for c in one]


def test_workers_start_ahead_only_when_they_will_synthesise(tmp_path: Path) -> None:
    """start_workers (called by make before it loads the audio modules) starts the pool's
    workers when more clips are missing than the engine makes in process, and not for a
    warm cache (a warm re-make starts no worker); the clips are the same either way."""
    texts = corpus_sentences("16-weekly-roundup.txt", limit=60)
    preset = resolve_voice("ky-espeak")
    one = synthesize_clips(texts, preset, cache_dir=tmp_path / "1", jobs=1)
    assert not start_workers(texts, preset, cache_dir=tmp_path / "1", pool=None)
    with process_pool(2) as pool:
        assert not start_workers(texts, preset, cache_dir=tmp_path / "1", pool=pool)
        assert not start_workers(texts[:5], preset, cache_dir=tmp_path / "2", pool=pool)
        assert not pool._processes  # nothing started: all cached, or too few to share
        assert start_workers(texts, preset, cache_dir=tmp_path / "2", pool=pool)
        assert pool._processes  # started ahead of the first clip
        stats: dict = {}
        two = synthesize_clips(
            texts, preset, cache_dir=tmp_path / "2", jobs=2, stats=stats, pool=pool
        )
        assert stats["jobs"] == 2
    assert [c.path.read_bytes() for c in two] == [c.path.read_bytes() for c in one]
