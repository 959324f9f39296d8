"""The string catalogue: every string the code and templates show has its Chinese translation,
the language is chosen as a reader expects, and numbers and dates read as the reader writes them."""

from __future__ import annotations

import os

from datetime import date
from pathlib import Path

import pytest
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po

from kb import i18n

ROOT = Path(__file__).resolve().parents[2]
KEYWORDS = {**DEFAULT_KEYWORDS, "N_": None, "pgettext": ((1, "c"), 2)}


def extracted() -> dict[str, str]:
    """msgid → the file it is in, as `make i18n` extracts them (babel.cfg)."""
    with (ROOT / "babel.cfg").open(encoding="utf-8") as cfg:
        method_map, options_map = parse_mapping_cfg(cfg)
    found = {}
    for path, _line, message, _comments, _context in extract_from_dir(
            ROOT, method_map, options_map, keywords=KEYWORDS, strip_comment_tags=True):
        msgid = message if isinstance(message, str) else message[0]
        if msgid:
            found.setdefault(msgid, path)
    return found


def catalogue(language: str):
    with (i18n.LOCALE_DIR / language / "LC_MESSAGES" / "messages.po").open("rb") as fp:
        return read_po(fp, locale=language)


def test_every_string_shown_has_a_chinese_translation():
    translated = {(m.id if isinstance(m.id, str) else m.id[0]): m.string for m in catalogue(i18n.CHINESE) if m.id}
    strings = extracted()
    assert len(strings) > 20
    missing = {msgid: path for msgid, path in strings.items()
               if not (translated.get(msgid) if isinstance(translated.get(msgid), str)
                       else (translated.get(msgid) or ("",))[0])}
    assert not missing, f"Run `make i18n` and translate these in kb/locale/zh_CN/LC_MESSAGES/messages.po: {missing}"


def test_translations_keep_their_placeholders():
    import re
    for message in catalogue(i18n.CHINESE):
        if not message.id or not message.string:
            continue
        source = message.id if isinstance(message.id, str) else message.id[1]
        target = message.string if isinstance(message.string, str) else message.string[0]
        assert set(re.findall(r"%\(\w+\)[sdf]", source)) == set(re.findall(r"%\(\w+\)[sdf]", target)), message.id


def test_gettext_follows_the_current_language():
    with i18n.using("zh_CN"):
        assert i18n._("Search") == "搜索"
    with i18n.using("en"):
        assert i18n._("Search") == "Search"
    assert i18n._("A sentence nobody translated") == "A sentence nobody translated"


@pytest.mark.parametrize(("header", "language"), [
    ("zh-CN,zh;q=0.9,en;q=0.8", "zh_CN"), ("en-GB,en;q=0.9", "en"), ("fr-FR, zh;q=0.5, en;q=0.4", "zh_CN"),
    ("de, fr", None), ("", None), ("zh-TW", "zh_CN"), ("en;q=0.2, zh-Hans;q=0.9", "zh_CN"), ("zh;q=0, en", "en"),
    ("zh;q=abc, en", "en"),
])
def test_accept_language_picks_the_readers_best_language(header, language):
    assert i18n.negotiate(header) == language


def test_kb_language_sets_the_default(monkeypatch):
    monkeypatch.setenv("KB_LANGUAGE", "zh-CN")
    assert i18n.configured_language() == "zh_CN"
    monkeypatch.setenv("KB_LANGUAGE", "klingon")
    assert i18n.configured_language() == "en"


def test_numbers_and_dates_read_as_the_reader_writes_them():
    day = date(2024, 3, 15)
    with i18n.using("en"):
        assert i18n.format_date(day) == "15 Mar 2024"
        assert i18n.format_number(1234567) == "1,234,567"
        assert i18n.format_percent(0.548, 1) == "54.8%"
    with i18n.using("zh_CN"):
        assert i18n.format_date(day) == "2024年3月15日"
        assert i18n.format_number(1234567.25, 1) == "1,234,567.2"


def test_a_po_file_newer_than_its_compiled_catalogue_is_the_one_shown(tmp_path, monkeypatch):
    """A fresh clone has no .mo until `make install`; an edited .po must not be shadowed by a stale .mo."""
    po = tmp_path / "zh_CN" / "LC_MESSAGES" / "messages.po"
    po.parent.mkdir(parents=True)
    po.write_text('msgid ""\nmsgstr ""\n"Content-Type: text/plain; charset=utf-8\\n"\n\n'
                  'msgid "Search"\nmsgstr "查找"\n', encoding="utf-8")
    monkeypatch.setattr(i18n, "LOCALE_DIR", tmp_path)
    with i18n.using("zh_CN"):
        assert i18n._("Search") == "查找"


def test_an_edited_po_file_is_shown_once_its_file_times_are_read_again(tmp_path, monkeypatch):
    """The file times are read at most every STAMP_SECONDS (not once per string, which cost a fifth
    of a request's time under load), so a translator's edit shows within that, without a restart."""
    po = tmp_path / "zh_CN" / "LC_MESSAGES" / "messages.po"
    po.parent.mkdir(parents=True)
    header = 'msgid ""\nmsgstr ""\n"Content-Type: text/plain; charset=utf-8\\n"\n\n'
    po.write_text(header + 'msgid "Search"\nmsgstr "查找"\n', encoding="utf-8")
    monkeypatch.setattr(i18n, "LOCALE_DIR", tmp_path)
    with i18n.using("zh_CN"):
        assert i18n._("Search") == "查找"
        po.write_text(header + 'msgid "Search"\nmsgstr "搜索"\n', encoding="utf-8")
        os.utime(po, (po.stat().st_mtime + 10, po.stat().st_mtime + 10))
        assert i18n._("Search") == "查找"  # within STAMP_SECONDS: the disk is not looked at again
        monkeypatch.setattr(i18n, "STAMP_SECONDS", 0.0)
        assert i18n._("Search") == "搜索"


def test_the_catalogues_compile_cleanly():
    """What `make install` runs (pybabel compile) refuses a translation whose placeholders differ from its
    English: such a string would fail or lose a value on the page."""
    for language in (i18n.ENGLISH, i18n.CHINESE):
        problems = [(message.id, [str(e) for e in errors]) for message, errors in catalogue(language).check()]
        assert not problems, f"{language}: {problems}"


def test_translations_use_no_placeholder_their_english_lacks():
    """A translation may leave a value out, never name one the code does not pass (a KeyError on the page)."""
    import re
    for message in catalogue(i18n.CHINESE):
        if not message.id or not message.string or message.pluralizable:
            continue
        used = set(re.findall(r"%\((\w+)\)", message.string))
        assert used <= set(re.findall(r"%\((\w+)\)", message.id)), message.id
