"""A small runbook for the state machine and store tests: manual, decision, dangerous, action, rollback steps."""
from __future__ import annotations

from datetime import datetime, timezone

from runbooks.catalogue import load_schema
from runbooks.lint import lint_text
from runbooks.model import Runbook

NOW = datetime(2026, 11, 1, 2, 0, tzinfo=timezone.utc)

SAMPLE = """
id: sample
title: {zh-CN: 样例, en: Sample}
summary: {zh-CN: 样例预案, en: A sample runbook}
trigger:
  start: auto
  when: [opened, major]
  match:
    - categories: [power]
      min_priority: P2
    - alertnames: [SampleAlert]
roles:
  - id: duty
    title: {zh-CN: 值班员, en: Duty}
steps:
  - id: look
    kind: check
    role: duty
    expected_minutes: 5
    title: {zh-CN: 查看, en: Look}
    text: {zh-CN: "查看 {{ incident.root_component }}", en: "Look at {{ incident.root_component }}"}
    expect: {zh-CN: 正常, en: Normal}
  - id: choose
    kind: decision
    expected_minutes: 2
    title: {zh-CN: 选择, en: Choose}
    text: {zh-CN: 选择, en: Choose}
    options:
      - {id: fast, label: {zh-CN: 快, en: Fast}, goto: finish}
      - {id: slow, label: {zh-CN: 慢, en: Slow}}
  - id: bypass
    dangerous: true
    expected_minutes: 10
    title: {zh-CN: 转旁路, en: Bypass}
    text: {zh-CN: 转旁路, en: Transfer to bypass}
  - id: query
    kind: action
    expected_minutes: 1
    title: {zh-CN: 查询, en: Query}
    text: {zh-CN: 查询, en: Query}
    action: {type: command, argv: [echo, "{{ incident.labels.rack }}"], timeout_s: 5}
  - id: finish
    expected_minutes: 3
    title: {zh-CN: 结束, en: Finish}
    text: {zh-CN: 结束, en: Finish}
rollback:
  - id: undo
    expected_minutes: 4
    title: {zh-CN: 撤销, en: Undo}
    text: {zh-CN: 撤销, en: Undo}
"""


def sample_runbook(text: str = SAMPLE) -> Runbook:
    """The sample, linted (fails the test if it is not valid)."""
    result = lint_text(text, "sample.yaml", load_schema())
    assert not result.errors, [str(e) for e in result.errors]
    return result.runbook
