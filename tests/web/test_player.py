"""The player in a real browser (Debian's Chromium, driven by Playwright): served by a
running ``bulletin serve`` and as the static page of ``bulletin make --player``."""

from __future__ import annotations

import json
import threading
import time

import pytest
import uvicorn
from axe_playwright_python.sync_playwright import Axe
from click.testing import CliRunner
from playwright.sync_api import sync_playwright
from starlette.applications import Starlette
from starlette.routing import Mount
from starlette.staticfiles import StaticFiles
from web_fixtures import ARTICLE, free_port, wait_ready

from bulletin.cli import main
from bulletin.web.player import render_page

CHROMIUM = "/usr/bin/chromium"
ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--no-first-run", "--autoplay-policy=no-user-gesture-required",
    "--mute-audio",
]  # fmt: skip
WCAG = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
TWO_STORIES = (
    "# Бишкекте жаңы мектеп ачылды\n\n"
    "Бишкекте 2024-жылы 1200 орундуу жаңы мектеп ачылды. Курулушка 350 млн сом жумшалды.\n\n"
    "Мектепте 45 класс бар.\n\n"
    "# Ысык-Көлдө туристтер көбөйдү\n\n"
    "Быйыл Ысык-Көлгө 1,5 миллион турист келди. Бул былтыркыдан 12% көп.\n"
)


@pytest.fixture(scope="module")
def browser():
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield browser
        browser.close()


@pytest.fixture(scope="module")
def served(server):
    """A ready article on the server: (player URL, its manifest)."""
    client = server.client()
    client.post("/v1/articles", json={**ARTICLE, "id": "listen-1"})
    ready = wait_ready(client, ["listen-1"])["listen-1"]
    assert ready["status"] == "ready", ready
    return ready["player"], client.get(ready["files"]["manifest"]).json()


@pytest.fixture(scope="module")
def static_host(tmp_path_factory):
    """A plain static web host (as a site without bulletin serve has) for a folder.

    (Opened as a file:// URL the page plays too, but Chromium loads no captions there.)
    """
    folder = tmp_path_factory.mktemp("static")
    port = free_port()
    app = Starlette(routes=[Mount("/", StaticFiles(directory=folder))])
    host = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="error"))
    thread = threading.Thread(target=host.run, daemon=True)
    thread.start()
    while not host.started:
        time.sleep(0.05)
    yield folder, f"http://127.0.0.1:{port}"
    host.should_exit = True
    thread.join(timeout=10)


@pytest.fixture(scope="module")
def static(static_host):
    """``bulletin make --player`` of a two-story bulletin: (page URL, its manifest)."""
    folder, base = static_host
    release = folder / "bulletin.txt"
    release.write_text(TWO_STORIES, encoding="utf-8")
    result = CliRunner().invoke(
        main,
        ["make", str(release), "-o", str(folder / "out"), "--player", "-q", "-j", "1",
         "--cache-dir", str(folder / "cache")],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert (folder / "out" / "bulletin.html").is_file()
    manifest = json.loads((folder / "out" / "bulletin.json").read_text(encoding="utf-8"))
    return f"{base}/out/bulletin.html", manifest


def open_page(browser, url, **context):
    context = browser.new_context(**context)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.goto(url)
    wait_until(page, "document.getElementById('player').readyState >= 1")
    return page, errors


def wait_until(page, expression: str, timeout: float = 20000) -> None:
    """Poll ``expression`` in the page (the served page's CSP forbids Playwright's
    string-evaluating wait_for_function)."""
    deadline = time.monotonic() + timeout / 1000
    while not page.evaluate(expression):
        assert time.monotonic() < deadline, f"timed out waiting for {expression}"
        time.sleep(0.05)


def texts(page, selector):
    return [" ".join(t.split()) for t in page.locator(selector).all_inner_texts()]


@pytest.fixture(params=["served", "static"])
def player(request, browser):
    url, manifest = request.getfixturevalue(request.param)
    page, errors = open_page(browser, url)
    yield page, manifest
    assert errors == []
    page.context.close()


def test_every_sentence_is_on_the_page_in_reading_order(player):
    page, manifest = player
    assert page.locator("html").get_attribute("lang") == "ky"
    written = [" ".join(s["written"].split()) for s in manifest["sentences"]]
    assert texts(page, ".transcript .s, h1 .s") == written
    # headlines are headings, the rest paragraphs
    headings = texts(page, "h1 .s, h2 .s")
    assert headings == [
        s for s, m in zip(written, manifest["sentences"], strict=True) if m["role"] == "headline"
    ]
    assert page.locator("audio[controls] track[kind=captions]").count() == 1
    assert page.locator("a[download]").count() == 1


def test_audio_plays_to_a_known_time_and_the_highlight_follows(player):
    page, manifest = player
    page.evaluate("document.getElementById('player').play()")
    wait_until(page, "document.getElementById('player').currentTime > 1.0", timeout=20000)
    assert page.evaluate("document.getElementById('player').paused") is False
    second = manifest["sentences"][1]
    page.evaluate(f"document.getElementById('player').currentTime = {second['start_s'] + 0.05}")
    wait_until(page, f"document.getElementById('player').currentTime > {second['start_s'] + 0.3}")
    wait_until(page, "document.querySelector('[aria-current=true]')?.id === 's1'")
    # one sentence is current, and (made with word times since the timings merge) at most
    # one word in it
    assert page.locator(".s[aria-current]").count() == 1
    assert page.locator(".w[aria-current]").count() <= 1
    assert page.locator("[aria-current]:not(.s):not(.w)").count() == 0
    # the highlight moves on by itself as the audio plays into the next sentence
    wait_until(page, "document.querySelector('.s[aria-current=true]')?.id === 's2'",
                           timeout=30000)  # fmt: skip


def test_clicking_a_sentence_seeks_to_its_start(player):
    page, manifest = player
    last = manifest["sentences"][-1]
    page.locator(f"#s{last['index']}").click()
    time_now = page.evaluate("document.getElementById('player').currentTime")
    assert last["start_s"] - 0.01 <= time_now < last["start_s"] + 0.5
    wait_until(page, f"document.getElementById('player').currentTime > {last['start_s']}")
    assert page.locator(f"#s{last['index']}").get_attribute("aria-current") == "true"
    page.locator("#s0").press("Enter")  # from the keyboard too
    assert page.evaluate("document.getElementById('player').currentTime") < 0.6


def test_speed_from_075_to_2(player):
    page, _ = player
    options = page.locator("#rate option").evaluate_all("os => os.map(o => o.value)")
    assert options[0] == "0.75" and options[-1] == "2"
    page.locator("#rate").select_option("1.5")
    assert page.evaluate("document.getElementById('player').playbackRate") == 1.5


def test_tab_reaches_every_control_with_visible_focus(player):
    page, manifest = player
    controls = page.evaluate(
        "[...document.querySelectorAll('audio, select, a[href]')].map(e => e.id || e.className)"
    )
    reached, outlines = [], set()
    for _ in range(len(controls) * 4 + 20):
        page.keyboard.press("Tab")
        reached.append(
            page.evaluate("document.activeElement.id || document.activeElement.className")
        )
        outlines.add(page.evaluate("getComputedStyle(document.activeElement).outlineStyle"))
    assert set(controls) <= set(reached)
    assert [f"s{s['index']}" for s in manifest["sentences"]] == [
        name for name in dict.fromkeys(reached) if name.startswith("s") and name[1:].isdigit()
    ]
    assert "solid" in outlines


def test_axe_finds_no_wcag_22_aa_violations(player):
    page, _ = player
    page.evaluate("document.getElementById('player').currentTime = 0.1")  # a highlight shown
    results = Axe().run(
        page, options={"runOnly": {"type": "tag", "values": WCAG}, "resultTypes": ["violations"]}
    )
    assert results.violations_count == 0, results.generate_report()


def test_chapters_of_a_multi_story_bulletin(browser, static):
    url, manifest = static
    page, errors = open_page(browser, url)
    titles = texts(page, ".chapters a")
    assert titles == [c["title"] for c in manifest["chapters"]] and len(titles) == 2
    page.locator(".chapters a").nth(1).click()
    start = manifest["chapters"][1]["start_s"]
    assert (
        start - 0.01 <= page.evaluate("document.getElementById('player').currentTime") < start + 0.5
    )
    assert errors == []
    page.context.close()


def test_without_javascript_the_audio_and_transcript_are_there(browser, served, static):
    for url, manifest in (served, static):
        context = browser.new_context(java_script_enabled=False)
        page = context.new_page()
        page.goto(url)
        assert page.locator("audio[controls]").count() == 1
        assert texts(page, ".transcript .s, h1 .s") == [
            " ".join(s["written"].split()) for s in manifest["sentences"]
        ]
        href = page.locator("#s1").get_attribute("href")
        assert href.endswith(f"#t={manifest['sentences'][1]['start_s']:g}")
        assert not page.locator(".rate").is_visible()  # speed needs the script
        context.close()


def test_word_timings_are_followed_when_the_manifest_has_them(browser, static, static_host):
    """Another stage adds per-sentence ``words`` to the manifest; the page uses them."""
    url, manifest = static
    folder, base = static_host
    out = folder / "out"
    sentence = manifest["sentences"][1]
    words, length = sentence["written"].split(), sentence["end_s"] - sentence["start_s"]
    step = length / len(words)
    sentence["words"] = [
        {"written": w, "start_s": sentence["start_s"] + i * step,
         "end_s": sentence["start_s"] + (i + 1) * step}
        for i, w in enumerate(words)
    ]  # fmt: skip
    page_path = out / "words.html"
    transcript = (out / "bulletin.transcript.txt").read_text(encoding="utf-8")
    page_path.write_text(
        render_page(manifest, transcript, audio="bulletin.mp3", captions="bulletin.vtt"),
        encoding="utf-8",
    )
    page, errors = open_page(browser, f"{base}/out/words.html")
    assert page.locator("#s1 .w").count() == len(words)
    third = sentence["words"][2]
    page.evaluate(f"document.getElementById('player').currentTime = {third['start_s'] + step / 2}")
    wait_until(page, "document.querySelector('.w[aria-current=true]') !== null")
    assert page.locator(".w[aria-current=true]").inner_text() == words[2]
    assert page.locator("#s1").get_attribute("aria-current") == "true"
    assert errors == []
    page.context.close()
