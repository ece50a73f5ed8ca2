"""The rehearsal's record: each step's verdict, duration and details, written as Markdown
(for a pull request's job summary) and JSON under build/upgrade/."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Literal

Verdict = Literal["pass", "warn", "fail", "skipped"]
MARK = {"pass": "✅ pass", "warn": "⚠️ warn", "fail": "❌ fail", "skipped": "⏭ skipped"}


@dataclass
class StepResult:
    """One step: `summary` is its one line; `details` what a reader checks it by."""

    number: int
    name: str
    verdict: Verdict
    summary: str
    seconds: float = 0.0
    details: list[str] = field(default_factory=list)
    data: dict[str, Any] = field(default_factory=dict)


@dataclass
class Report:
    from_version: str
    to_version: str
    chart: str
    state: str
    started: str
    steps: list[StepResult] = field(default_factory=list)
    commands: list[str] = field(default_factory=list)

    @property
    def verdict(self) -> Verdict:
        verdicts = {s.verdict for s in self.steps}
        if "fail" in verdicts:
            return "fail"
        return "warn" if "warn" in verdicts else "pass"

    @property
    def failed(self) -> StepResult | None:
        return next((s for s in self.steps if s.verdict == "fail"), None)

    def to_json(self) -> str:
        # As in the Markdown: no commands to do it for real while a step fails.
        commands = [] if self.failed else self.commands
        return json.dumps({**asdict(self), "commands": commands, "verdict": self.verdict},
                          indent=2)  # fmt: skip

    def to_markdown(self) -> str:
        lines = [
            f"## Airflow upgrade rehearsal: {self.from_version} → {self.to_version}",
            "",
            f"**Verdict: {MARK[self.verdict]}** · chart {self.chart} · state: {self.state} · "
            f"started {self.started}",
            "",
            "| Step | Verdict | Time | What it found |",
            "|---|---|---|---|",
        ]
        for s in self.steps:
            summary = s.summary.replace("|", "\\|")
            verdict = MARK[s.verdict]
            lines.append(f"| {s.number}. {s.name} | {verdict} | {s.seconds:.0f} s | {summary} |")
        for s in self.steps:
            if s.details:
                lines += ["", f"### {s.number}. {s.name}", ""]
                lines += [f"- {d}" for d in s.details]
        if self.failed:
            step = f"step {self.failed.number} ({self.failed.name})"
            lines += ["", "### To do it for real", "",
                      f"Not yet: {step} failed; fix it and rehearse again."]  # fmt: skip
        elif self.commands:
            lines += ["", "### To do it for real", "", "```sh", *self.commands, "```"]
        return "\n".join(lines) + "\n"

    def write(self, folder: Path) -> tuple[Path, Path]:
        folder.mkdir(parents=True, exist_ok=True)
        md, js = folder / "report.md", folder / "report.json"
        md.write_text(self.to_markdown())
        js.write_text(self.to_json())
        return md, js
