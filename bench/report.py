"""Shared by the benchmarks: the machine, the commit, and writing a section into a docs file.

Each benchmark owns one section of a document, between `<!-- bench:NAME -->` and
`<!-- /bench:NAME -->`; running it again replaces that section and leaves the others alone, so
several benchmarks can write into `docs/benchmarks.md` and `docs/reliability.md`.
"""

from __future__ import annotations

import os
import platform
import re
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"


def machine() -> str:
    cpu = "unknown CPU"
    try:
        match = re.search(r"model name\s*:\s*(.+)", Path("/proc/cpuinfo").read_text())
        cpu = match.group(1).strip() if match else cpu
    except OSError:
        pass
    memory = ""
    try:
        match = re.search(r"MemTotal:\s*(\d+) kB", Path("/proc/meminfo").read_text())
        memory = f", {int(match.group(1)) / 1024 / 1024:.0f} GB" if match else ""
    except OSError:
        pass
    return f"{os.cpu_count()} cores, {cpu}{memory}, Python {platform.python_version()}"


def commit() -> str:
    try:
        sha = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no"],
            cwd=ROOT,
            capture_output=True,
            text=True,
        ).stdout.strip()
    except OSError:
        return "unknown"
    return f"{sha} (with uncommitted changes)" if dirty else sha


def header(command: str | None = None) -> str:
    """The lines every section starts with: command, commit, machine, time."""
    command = command or " ".join(["python", *sys.argv])
    return (
        f"- Command: `{command}`\n- Commit: `{commit()}`\n- Machine: {machine()}\n"
        f"- Run: {datetime.now(UTC):%Y-%m-%d %H:%M} UTC\n"
    )


def table(headings: list[str], rows: list[list[object]]) -> str:
    lines = ["| " + " | ".join(headings) + " |", "|" + "---|" * len(headings)]
    lines += ["| " + " | ".join(str(cell) for cell in row) + " |" for row in rows]
    return "\n".join(lines) + "\n"


def write_section(document: str, name: str, body: str, title: str | None = None) -> Path:
    """Replace (or append) the section `name` of docs/`document` with `body`."""
    path = DOCS / document
    DOCS.mkdir(exist_ok=True)
    text = path.read_text() if path.exists() else f"# {title or document}\n"
    start, end = f"<!-- bench:{name} -->", f"<!-- /bench:{name} -->"
    block = f"{start}\n{body.rstrip()}\n{end}"
    pattern = re.compile(re.escape(start) + r".*?" + re.escape(end), re.DOTALL)
    if pattern.search(text):
        text = pattern.sub(lambda _match: block, text)
    else:
        text = text.rstrip() + "\n\n" + block + "\n"
    path.write_text(text if text.endswith("\n") else text + "\n")
    return path


def percentile(values: list[float], share: float) -> float:
    """The nearest-rank percentile (share in 0..100) of a non-empty list."""
    ordered = sorted(values)
    index = max(0, min(len(ordered) - 1, round(share / 100 * len(ordered) + 0.5) - 1))
    return ordered[index]
