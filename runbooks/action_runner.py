"""I/O: run an approved automated action — a command without a shell, or an HTTP call — within its timeout.

The allow-list is checked here again (a plan built elsewhere must not bypass it). A command is
killed when its timeout passes; an HTTP call gives up at its timeout. Output is capped so a
chatty command cannot fill the timeline. In a drill nothing runs: the plan is recorded as a
dry run, because a drill exercises people, not the UPS bypass switch.
"""
from __future__ import annotations

import asyncio
from dataclasses import dataclass

import httpx

from runbooks.automation import ActionRefused, PlannedAction

MAX_OUTPUT_CHARS = 4_000


@dataclass(frozen=True)
class ActionResult:
    """Whether the action succeeded, and what it said."""

    ok: bool
    output: str


class ActionRunner:
    """Runs planned actions; commands only when their program is on the allow-list."""

    def __init__(self, allowed_commands: frozenset[str]) -> None:
        self._allowed = allowed_commands

    async def run(self, plan: PlannedAction, *, dry_run: bool = False) -> ActionResult:
        """Run the plan (or only describe it when `dry_run`).

        Raises:
            ActionRefused: the plan was refused, or its command is not on the allow-list.
        """
        if plan.refusal:
            raise ActionRefused(plan.refusal)
        if plan.kind == "command" and plan.argv[0] not in self._allowed:
            raise ActionRefused(f"command {plan.argv[0]!r} is not on the allow-list; it cannot run")
        if dry_run:
            return ActionResult(True, f"dry run, nothing executed: {plan.display}")
        if plan.kind == "command":
            return await self._command(plan)
        return await self._http(plan)

    async def _command(self, plan: PlannedAction) -> ActionResult:
        try:
            process = await asyncio.create_subprocess_exec(
                *plan.argv, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT, stdin=asyncio.subprocess.DEVNULL
            )
        except OSError as exc:
            return ActionResult(False, f"could not start {plan.argv[0]}: {exc}")
        try:
            output, _ = await asyncio.wait_for(process.communicate(), plan.timeout_s)
        except TimeoutError:
            process.kill()
            await process.wait()
            return ActionResult(False, f"killed after {plan.timeout_s:g}s timeout")
        text = output.decode("utf-8", errors="replace")[-MAX_OUTPUT_CHARS:]
        return ActionResult(process.returncode == 0, f"exit {process.returncode}: {text.strip()}")

    async def _http(self, plan: PlannedAction) -> ActionResult:
        try:
            async with httpx.AsyncClient(timeout=plan.timeout_s) as client:
                response = await client.request(plan.method, plan.url, headers=dict(plan.headers), content=plan.body)
        except httpx.HTTPError as exc:
            return ActionResult(False, f"{plan.method} {plan.url} failed: {type(exc).__name__}: {exc}")
        text = response.text[:MAX_OUTPUT_CHARS]
        return ActionResult(response.is_success, f"HTTP {response.status_code}: {text.strip()}")
