"""Render: every message in both languages, strict about variables, sandboxed, overridable by operators."""
from __future__ import annotations

from pathlib import Path

import pytest
from jinja2 import TemplateNotFound, TemplateSyntaxError, UndefinedError
from jinja2.exceptions import SecurityError

from notify.render import Templates, render
from notify.sms_text import encoding, fit_sms

TEMPLATES_DIR = Path(__file__).parents[2] / "notify" / "templates"
ALL_TEMPLATES = sorted({path.name.split(".")[0] for path in TEMPLATES_DIR.glob("*.txt.j2")})


def context(**overrides):
    """Every variable any template uses (the incident context plus each notice's extras)."""
    values = {
        "incident_id": 12,
        "title": "UPS-1 市电中断，转电池供电",
        "severity": "critical",
        "priority": "P1",
        "major": True,
        "site": "dc1",
        "alert_count": 3,
        "root": "UPS-1",
        "status": "open",
        "detail": "",
        "link": "",
        "short_code": "",
        "drill": False,
        "actor": "李伟",
        "via": "sms",
        "level": 2,
        "survivor": 10,
        "target": "二线",
        "schedule": "机房一线",
        "starts": "09:00",
        "ends": "21:00",
        "previous": "王芳",
        "open_count": 2,
        "incidents": [
            {"id": 12, "priority": "P2", "title": "UPS-1 市电中断", "drill": False},
            {"id": 13, "priority": "P3", "title": "机房A 温度过高", "drill": True},
        ],
        "code": None,
        "silence_id": "6c617756",
        "kind": "expiring",
        "remaining": "25m",
        "open_after": "1d",
        "comment": "更换电池",
    }
    return {**values, **overrides}


def english(**overrides):
    """The same context in ASCII, as an English-speaking site would have it."""
    ascii_values = {
        "title": "UPS-1 on battery, mains lost",
        "actor": "Li Wei",
        "target": "second line",
        "schedule": "dc1 first line",
        "previous": "Wang Fang",
        "incidents": [{"id": 12, "priority": "P2", "title": "UPS-1 on battery", "drill": True}],
        "comment": "battery swap",
    }
    return context(**{**ascii_values, **overrides})


def test_the_package_ships_every_template_in_both_languages():
    for template in ALL_TEMPLATES:
        for language in ("zh-CN", "en"):
            assert (TEMPLATES_DIR / f"{template}.{language}.txt.j2").is_file(), (template, language)
    assert {"page", "voice", "resolved", "acknowledged", "escalated", "handoff", "summary"} <= set(ALL_TEMPLATES)


@pytest.mark.parametrize("template", ALL_TEMPLATES)
@pytest.mark.parametrize("language", ["zh-CN", "en"])
def test_every_template_renders_one_line_with_a_full_context(template, language):
    text = render(template, context(), language)

    assert text and "\n" not in text and text == text.strip()


@pytest.mark.parametrize("template", ALL_TEMPLATES)
def test_english_texts_stay_gsm7_so_a_segment_holds_160_characters(template):
    assert encoding(render(template, english(), "en")) == "GSM-7"


def test_chinese_page_reads_like_the_example():
    assert render("page", context()) == "[P1][重大] #12 UPS-1 市电中断，转电池供电 (dc1) 3条告警 回复 ACK 12 确认"


def test_english_page():
    assert render("page", english(major=False, alert_count=1), "en") == (
        "[P1] #12 UPS-1 on battery, mains lost (dc1) 1 alert. Reply ACK 12 to acknowledge."
    )


@pytest.mark.parametrize(
    ("overrides", "language", "fragment"),
    [
        ({"drill": True}, "zh-CN", "【演练】[P1]"),
        ({"drill": True}, "en", "[DRILL][P1]"),
        ({"short_code": "1a"}, "zh-CN", "回复 1a 确认"),
        ({"short_code": "1a"}, "en", "Reply 1a to acknowledge."),
        ({"link": "https://desk.example/incidents/12"}, "zh-CN", "确认 https://desk.example/incidents/12"),
        ({"site": ""}, "zh-CN", "转电池供电 3条告警"),
        ({"root": "PDU-7"}, "zh-CN", "(dc1) 根因 PDU-7 3条告警"),
        ({"root": "ups-1"}, "zh-CN", "(dc1) 3条告警"),  # already named by the title
    ],
)
def test_page_variants(overrides, language, fragment):
    assert fragment in render("page", context(**overrides), language)


def test_long_title_is_cut_so_the_reply_instruction_and_link_fit_two_segments():
    text = render("page", context(title="机房A 空调告警 " * 20, root="CRAC-3"))
    link = "https://desk.example.com/incidents/12"

    assert "…" in text and text.endswith("回复 ACK 12 确认")
    assert fit_sms(text, link=link) == f"{text} {link}"  # nothing more to trim


def test_acknowledged_names_who_and_how():
    assert render("acknowledged", context()) == "[已确认] #12 已由 李伟 通过 短信 确认：UPS-1 市电中断，转电池供电"
    assert "acknowledged by Li Wei via SMS:" in render("acknowledged", english(), "en")
    assert "通过 webhook 确认" in render("acknowledged", context(via="webhook"))  # unknown channel: as is


def test_escalated_says_whether_a_person_or_the_timer_did_it():
    assert "已由 李伟 升级到第 2 级（二线）" in render("escalated", context())
    assert "未及时确认，已自动升级到第 2 级" in render("escalated", context(actor=""))


def test_summary_lists_every_held_back_incident_marking_drills():
    assert render("summary", context()) == (
        "[汇总] 2 个事件: #12 P2 UPS-1 市电中断；【演练】#13 P3 机房A 温度过高 回复 ACK 编号 确认"
    )
    assert render("summary", english(), "en").startswith("[SUMMARY] 1 incident: [DRILL]#12 P2")


@pytest.mark.parametrize(("template", "language", "marker"), [
    ("page", "zh-CN", "【演练】"), ("page", "en", "[DRILL]"), ("voice", "zh-CN", "本次为演练"), ("voice", "en", "This is a drill"),
    ("acknowledged", "en", "[DRILL]"), ("resolved", "zh-CN", "【演练】"),
])
def test_every_message_about_a_drill_says_so(template, language, marker):
    assert marker in render(template, context(drill=True), language)
    assert marker not in render(template, context(), language)


def test_reminders_say_when_the_silence_ends_or_how_long_it_has_been_open():
    assert render("reminder", context()) == "[静默] 静默 6c617756 将在 25m 后到期，工作未完成请延长。（更换电池）"
    assert render("reminder", english(kind="open_too_long"), "en") == (
        "[SILENCE] Silence 6c617756 has been open for more than 1d, 25m left: expire it if the work is done. (battery swap)"
    )


def test_handoff_counts_open_incidents():
    assert "当前有 2 个未关闭事件" in render("handoff", context())
    assert "当前没有未关闭事件" in render("handoff", context(open_count=0))
    assert render("handoff", english(open_count=1, previous=""), "en") == (
        "[HANDOFF] You are on call for dc1 first line from 09:00 to 21:00. 1 open incident: please take a look."
    )


def test_voice_has_the_keys_to_press_and_no_link():
    text = render("voice", context(link="https://desk.example/incidents/12"))

    assert text.startswith("这是 alertdesk 告警电话。事件 12，优先级 P1，重大事件。")
    assert text.endswith("按 1 确认，按 2 立即升级，按 9 重听。")
    assert "https" not in text


def test_reply_not_found_by_id_code_or_nothing():
    assert render("reply_not_found", context()).startswith("未找到事件 #12")
    assert render("reply_not_found", context(incident_id=None, code="3")).startswith("短码 3 无效或已过期")
    assert render("reply_not_found", context(incident_id=None)).startswith("没有发给你的待处理告警")


def test_unknown_reply_includes_the_usage():
    assert render("reply_unknown", {}, "zh-CN") == "无法识别的回复。" + render("reply_help", {}, "zh-CN")


@pytest.mark.parametrize(
    "title",
    [
        "{{ 7 * 7 }} {% for x in range(3) %}x{% endfor %}",
        "{{ ''.__class__.__mro__ }}",
        "</Say><Dial>+19005550100</Dial>",
    ],
)
def test_hostile_title_is_just_text(title):
    assert title in render("page", context(title=title), "en")


@pytest.mark.parametrize(
    ("language", "expected"),
    [("zh", "[重大]"), ("zh-cn", "[重大]"), ("en-US", "[MAJOR]"), ("fr", "[MAJOR]"), ("../../etc/passwd", "[MAJOR]")],
)
def test_language_aliases_and_unknown_languages_fall_back_to_english(language, expected):
    assert expected in render("page", context(), language)


def test_missing_variable_is_an_error():
    with pytest.raises(UndefinedError):
        render("page", {"incident_id": 1})


def test_unknown_template_is_an_error():
    with pytest.raises(TemplateNotFound):
        render("no-such-template", {})


def test_override_directory_wins_file_by_file(tmp_path):
    (tmp_path / "page.zh-CN.txt.j2").write_text("值班室专用 #{{ incident_id }}", encoding="utf-8")
    (tmp_path / "page.ja.txt.j2").write_text("障害 #{{ incident_id }}", encoding="utf-8")
    templates = Templates(tmp_path)

    assert templates.render("page", context()) == "值班室专用 #12"
    assert templates.render("page", context(), "ja") == "障害 #12"
    assert templates.render("page", english(), "en") == render("page", english(), "en")  # not overridden
    assert templates.render("resolved", context()) == render("resolved", context())


def test_override_that_matches_no_template_is_refused_at_startup(tmp_path):
    (tmp_path / "pgae.zh-CN.txt.j2").write_text("typo", encoding="utf-8")

    with pytest.raises(ValueError, match=r"pgae\.zh-CN\.txt\.j2 overrides no known template"):
        Templates(tmp_path)


def test_override_that_does_not_parse_is_refused_at_startup(tmp_path):
    (tmp_path / "page.en.txt.j2").write_text("{% if %}", encoding="utf-8")

    with pytest.raises(TemplateSyntaxError):
        Templates(tmp_path)


def test_missing_override_directory_is_an_error(tmp_path):
    with pytest.raises(ValueError, match="does not exist or is not a directory"):
        Templates(tmp_path / "nope")


def test_override_cannot_reach_python_internals(tmp_path):
    (tmp_path / "page.en.txt.j2").write_text("{{ title.__class__.__mro__ }}", encoding="utf-8")

    with pytest.raises(SecurityError):
        Templates(tmp_path).render("page", english(), "en")
