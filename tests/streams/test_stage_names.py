"""Every agent's stage name has an input topic for `alertdesk dlq replay`, and every mapped stage exists."""
from __future__ import annotations

from incidents import writer_agent
from notify import pager_agent
from runbooks import trigger_agent
from streams.agents import correlate, dedupe, normalize
from streams.topics import STAGE_INPUTS


def test_stage_names_and_the_redelivery_map_agree() -> None:
    stages = {module.STAGE for module in (normalize, dedupe, correlate, writer_agent, pager_agent, trigger_agent)}
    assert stages == set(STAGE_INPUTS)
