"""The desk's message catalogue and language choice: complete in both languages, chosen user > cookie > browser."""
from __future__ import annotations

import re
import string
from pathlib import Path

import pytest

from access.web import Role
from desk import i18n
from desk.i18n import EN, LANGUAGES, ZH, browser_languages, choose_language, label, supported, translate, translator
from incidents.events import EventKind
from incidents.lifecycle import Action, Status, Via
from notify.outbox import OutboxStatus

TEMPLATES = Path(i18n.__file__).parent / "templates"


def test_every_message_has_both_languages_with_the_same_placeholders():
    for key, texts in i18n.MESSAGES.items():
        assert len(texts) == 2 and all(text.strip() for text in texts), key
        fields = [{name for _, name, _, _ in string.Formatter().parse(text) if name} for text in texts]
        assert fields[0] == fields[1], key


def test_every_key_a_template_uses_is_in_the_catalogue():
    used = set()  # whole keys only: t('status.' ~ value) is covered by test_every_value_people_see_has_a_message
    for template in TEMPLATES.glob("*.html"):
        used |= set(re.findall(r"""\bt\(\s*['"]([^'"]+)['"]\s*[,)]""", template.read_text("utf-8")))
    assert used, "the templates call t('…')"
    assert used - set(i18n.MESSAGES) == set()


def test_templates_hold_no_words_outside_t():
    # Text between tags must be a template expression or punctuation, never a word for people.
    for template in TEMPLATES.glob("*.html"):
        source = re.sub(r"{[{%#].*?[}%#]}", "", template.read_text("utf-8"), flags=re.S)
        source = re.sub(r"<(script|style)\b.*?</\1>", "", source, flags=re.S)
        texts = [text.strip() for text in re.findall(r">([^<]+)<", source)]
        assert [text for text in texts if re.search(r"\w", text)] == [], template.name


@pytest.mark.parametrize("prefix, values", [
    ("kind", list(EventKind)),
    ("status", list(Status)),
    ("via", list(Via)),
    ("page.status", list(OutboxStatus)),
    ("action", list(Action)),
    ("role", list(Role)),
    ("lang", list(LANGUAGES)),
])
def test_every_value_people_see_has_a_message(prefix, values):
    for value in values:
        for language in (ZH, EN):
            assert translate(language, f"{prefix}.{value}")


def test_translate_fills_placeholders_and_refuses_unknown_keys_and_languages():
    assert translate(EN, "incident.title", id=7) == "Incident #7"
    assert translate(ZH, "incident.title", id=7) == "事件 #7"
    assert translator(EN)("sla.left", span="5m") == "5m left"
    with pytest.raises(KeyError, match="no.such.key"):
        translate(EN, "no.such.key")
    with pytest.raises(ValueError, match="fr"):
        translator("fr")


@pytest.mark.parametrize("user, cookie, accept, expected", [
    (None, None, None, ZH),
    (None, None, "", ZH),
    (None, None, "en-US,en;q=0.9", EN),
    (None, None, "fr-FR, en;q=0.5, zh;q=0.8", ZH),
    (None, None, "fr-FR, de;q=0.5", ZH),
    (None, None, "zh-TW", ZH),
    (None, None, "en;q=0, zh-CN;q=0.1", ZH),
    (None, "en", "zh-CN", EN),
    (None, "klingon", "en", EN),
    ("zh-CN", "en", "en", ZH),
    ("en", "zh-CN", "zh-CN", EN),
])
def test_choose_language_user_then_cookie_then_browser_then_chinese(user, cookie, accept, expected):
    assert choose_language(user=user, cookie=cookie, accept_language=accept) == expected


def test_label_falls_back_to_the_value_for_kinds_the_catalogue_does_not_know_yet():
    assert label(ZH, "kind", "acknowledged") == "已确认"
    assert label(EN, "kind", "quantum_event") == "quantum_event"


def test_browser_languages_orders_by_quality_and_drops_junk():
    assert browser_languages("da, en-GB;q=0.8, en;q=0.7, *;q=0.1, x;q=abc") == ["da", "en-GB", "en"]
    assert supported("EN-gb") == EN and supported("ja") is None and supported(None) is None
