"""Issue 16 (4, 5): a catalogue is complete or CI says what is wrong with it, and only complete
languages are offered. Test catalogues are written here; the last test checks the real ones."""

import os
import shutil
import subprocess
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command

from newsdesk import translations

HEADER = '''msgid ""
msgstr ""
"Language: {code}\\n"
"MIME-Version: 1.0\\n"
"Content-Type: text/plain; charset=UTF-8\\n"
"Content-Transfer-Encoding: 8bit\\n"
"Plural-Forms: nplurals=1; plural=0;\\n"
'''

COMPLETE = '''
msgid "Publish"
msgstr "Terbitkan"

#, python-format
msgid "Tagged %(n)s × %(entity)s."
msgstr "Ditandai %(n)s × %(entity)s."

msgctxt "the suggestions of one entity"
msgid "accept all"
msgstr "terima semua"

#, python-format
msgid "%(n)s story"
msgid_plural "%(n)s stories"
msgstr[0] "%(n)s berita"

msgid "Newsdesk"
msgstr "Newsdesk"
'''

EXPECTED = {("", "Publish"), ("", "Tagged %(n)s × %(entity)s."), ("the suggestions of one entity", "accept all"),
            ("", "%(n)s story"), ("", "Newsdesk")}

needs_gettext = pytest.mark.skipif(
    not shutil.which("msgfmt") and not os.environ.get("NEWSDESK_REQUIRE_GETTEXT"),
    reason="Debian's gettext package is not installed (msgfmt, xgettext)",
)


def catalogue(tmp_path: Path, code: str, entries: str, *, compiled: bool = True) -> Path:
    po_path = tmp_path / code / "LC_MESSAGES" / "django.po"
    po_path.parent.mkdir(parents=True)
    po_path.write_text(HEADER.format(code=code) + entries, encoding="utf-8")
    if compiled:
        subprocess.run(["msgfmt", "-o", str(po_path.with_suffix(".mo")), str(po_path)], check=True)
    return po_path


@needs_gettext
def test_a_complete_catalogue_has_no_fault(tmp_path):
    assert translations.problems(catalogue(tmp_path, "id", COMPLETE), expected=EXPECTED) == []


@needs_gettext
@pytest.mark.parametrize("change, fault", [
    (('msgstr "Terbitkan"', 'msgstr ""'), "“Publish” is not translated"),
    (('msgid "Publish"', '#, fuzzy\nmsgid "Publish"'), "“Publish” is fuzzy"),
    (('msgstr "Terbitkan"', 'msgstr "Publish"'), "“Publish” is the English copied over"),
    (('msgstr "Ditandai %(n)s × %(entity)s."', 'msgstr "Ditandai %(n)s × %(nama)s."'), "has the placeholders"),
    (('msgstr[0] "%(n)s berita"', 'msgstr[0] "berita"'), "“%(n)s story” has the placeholders"),
    (('msgctxt "the suggestions of one entity"\n', ''), "“accept all” (the suggestions of one entity) is not in the catalogue"),
])
def test_each_fault_of_a_catalogue_is_named(tmp_path, change, fault):
    before, after = change
    assert before in COMPLETE
    found = translations.problems(catalogue(tmp_path, "id", COMPLETE.replace(before, after)), expected=EXPECTED)
    assert any(fault in line for line in found), found


@needs_gettext
def test_a_word_on_the_languages_reviewed_list_may_stay_english(tmp_path):
    po_path = catalogue(tmp_path, "id", COMPLETE + '\nmsgid "Status"\nmsgstr "Status"\n')
    assert any("“Status” is the English copied over" in line for line in translations.problems(po_path))
    (tmp_path / "id" / "same-as-english.txt").write_text("# reviewed\nStatus\n", encoding="utf-8")
    assert translations.problems(po_path) == []


@needs_gettext
def test_a_compiled_catalogue_that_no_longer_says_what_its_po_says_fails(tmp_path):
    po_path = catalogue(tmp_path, "id", COMPLETE)
    po_path.write_text(po_path.read_text(encoding="utf-8").replace("Terbitkan", "Terbitkan!"), encoding="utf-8")
    assert any("does not match" in line for line in translations.problems(po_path))
    po_path.with_suffix(".mo").unlink()
    assert any("not compiled" in line for line in translations.problems(po_path))


@needs_gettext
def test_msgfmt_refusing_a_catalogue_is_a_fault(tmp_path):
    broken = COMPLETE.replace('msgstr "Terbitkan"', 'msgstr "Terbitkan\\q"')
    po_path = catalogue(tmp_path, "id", broken, compiled=False)
    assert any("msgfmt -c refuses it" in line for line in translations.problems(po_path))


@needs_gettext
def test_only_complete_languages_are_offered(tmp_path):
    catalogue(tmp_path, "id", COMPLETE)
    catalogue(tmp_path, "ko", COMPLETE.replace('msgstr "Terbitkan"', 'msgstr ""'))
    catalogue(tmp_path, "ms", COMPLETE, compiled=False)
    assert translations.complete_languages(tmp_path) == ["en", "id"]


@needs_gettext
def test_a_regional_catalogue_is_named_as_django_names_the_language(tmp_path):
    catalogue(tmp_path, "pt_BR", COMPLETE)
    assert translations.complete_languages(tmp_path) == ["en", "pt-br"]


@needs_gettext
def test_every_catalogue_of_the_interface_is_complete(capsys):
    """The real catalogues against the messages makemessages finds in our templates and code."""
    call_command("check_translations")
    assert "Every catalogue holds the" in capsys.readouterr().out
    assert (Path(settings.BASE_DIR) / "locale" / "id" / "LC_MESSAGES" / "django.mo").exists()
