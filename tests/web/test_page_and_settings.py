"""The player page as HTML (no browser), the [serve] settings, and `bulletin serve`'s refusals."""

from __future__ import annotations

import html.parser
import subprocess
import sys

import pytest
from click.testing import CliRunner

from bulletin.cli import main
from bulletin.errors import ConfigError
from bulletin.web.player import render_page
from bulletin.web.settings import load_serve_settings

MANIFEST = {
    "title": "Шайлоо <жыйынтыгы>",
    "chapters": [{"title": "Шайлоо <жыйынтыгы>", "start_s": 0.5, "end_s": 9.0}],
    "sentences": [
        {"index": 0, "story": 0, "role": "headline", "written": "Шайлоо <жыйынтыгы>",
         "start_s": 0.5, "end_s": 2.0},
        {"index": 1, "story": 0, "role": "sentence", "written": "Биринчи сүйлөм.",
         "start_s": 2.9, "end_s": 4.0},
        {"index": 2, "story": 0, "role": "sentence", "written": 'Экинчи "<script>x</script>".',
         "start_s": 4.4, "end_s": 6.0},
        {"index": 3, "story": 0, "role": "sentence", "written": "Үчүнчү сүйлөм.",
         "start_s": 6.8, "end_s": 9.0},
    ],
}  # fmt: skip
TRANSCRIPT = (
    'Шайлоо <жыйынтыгы>\n\nБиринчи сүйлөм. Экинчи "<script>x</script>".\n\nҮчүнчү сүйлөм.\n'
)


class Outline(html.parser.HTMLParser):
    """Tags in order, with the sentences each paragraph holds."""

    def __init__(self):
        super().__init__()
        self.tags, self.scripts, self.paragraphs, self._p = [], 0, [], None

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        self.scripts += tag == "script"
        if tag == "p" and dict(attrs).get("class") is None:
            self._p = []
        if tag == "a" and self._p is not None and dict(attrs).get("class") == "s":
            self._p.append(dict(attrs)["id"])

    def handle_endtag(self, tag):
        if tag == "p" and self._p is not None:
            if self._p:
                self.paragraphs.append(self._p)
            self._p = None


def test_paragraphs_follow_the_transcript_and_text_is_escaped():
    page = render_page(MANIFEST, TRANSCRIPT, audio="a.mp3", captions="a.vtt")
    outline = Outline()
    outline.feed(page)
    assert outline.paragraphs == [["s1", "s2"], ["s3"]]
    assert outline.scripts == 1  # the player's own; the article's <script> is text
    assert "&lt;script&gt;x&lt;/script&gt;" in page and "<title>Шайлоо &lt;жыйынтыгы&gt;" in page
    assert '<a class="s" id="s2" href="a.mp3#t=4.4" data-start="4.4" data-end="6"' in page
    assert '<nav class="chapters"' not in page  # one story: no chapter list


def test_sentences_that_do_not_fit_the_transcript_are_one_paragraph():
    page = render_page(MANIFEST, "something else\n", audio="a.mp3", captions="a.vtt")
    outline = Outline()
    outline.feed(page)
    assert outline.paragraphs == [["s1", "s2", "s3"]]


def test_word_times_that_do_not_match_the_text_fall_back_to_sentences():
    sentence = {
        **MANIFEST["sentences"][1],
        "words": [{"written": "Башка", "start_s": 3, "end_s": 3.5}],
    }
    manifest = {**MANIFEST, "sentences": [MANIFEST["sentences"][0], sentence]}
    page = render_page(manifest, None, audio="a.mp3", captions="a.vtt")
    assert 'class="w"' not in page and "Биринчи сүйлөм." in page


def test_serve_refuses_to_start_without_a_token(tmp_path, monkeypatch):
    monkeypatch.delenv("BULLETIN_TOKEN", raising=False)
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(main, ["serve", "--port", "0"])
    assert result.exit_code == 1
    assert result.output.startswith("error: serve: no token; set BULLETIN_TOKEN")


def test_token_file_and_settings_from_the_config(tmp_path, monkeypatch):
    monkeypatch.delenv("BULLETIN_TOKEN", raising=False)
    (tmp_path / "token").write_text("from-file\n")
    config = tmp_path / "bulletin.toml"
    config.write_text(
        '[serve]\ntoken_file = "token"\ndata_dir = "site"\nworkers = 3\n'
        'private_reads = true\ncors_origins = ["https://news.example.kg"]\n'
    )
    settings = load_serve_settings(config)
    assert settings.token == "from-file" and settings.secret == "from-file"
    assert settings.data_dir == tmp_path / "site" and settings.workers == 3
    assert settings.private_reads and settings.cors_origins == ("https://news.example.kg",)
    monkeypatch.setenv("BULLETIN_TOKEN", "from-env")
    assert load_serve_settings(config).token == "from-env"
    assert load_serve_settings(config, no_auth=True).token is None


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("workers = 0", "serve.workers must be a whole number from 1 to 64"),
        ('cors_origins = "*"', "serve.cors_origins must be a list of origins"),
        ("private_reads = 1", "serve.private_reads must be true or false"),
        ('tokn_file = "x"', "unknown setting 'serve.tokn_file'"),
        ('token_file = "missing"', "cannot read serve.token_file"),
    ],
)
def test_bad_serve_settings_are_one_line_errors(tmp_path, monkeypatch, line, message):
    monkeypatch.delenv("BULLETIN_TOKEN", raising=False)
    config = tmp_path / "bulletin.toml"
    config.write_text(f"[serve]\n{line}\n")
    with pytest.raises(ConfigError, match=message.replace("(", r"\(")):
        load_serve_settings(config, no_auth=True)


def test_the_cli_and_the_player_page_import_no_web_framework():
    code = (
        "import sys, bulletin.cli, bulletin.web.player, bulletin.web.settings; "
        "print(sorted(m for m in sys.modules if m.split('.')[0] in "
        "{'fastapi', 'starlette', 'uvicorn', 'torch'}))"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0 and result.stdout.strip() == "[]", result.stderr


def test_the_download_link_names_the_format():
    page = render_page(MANIFEST, TRANSCRIPT, audio="out/a.ogg", captions="out/a.vtt")
    assert 'download="a.ogg">OGG жүктөп алуу</a>' in page
