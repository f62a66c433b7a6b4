"""The report's header: machine and versions, so two runs can be compared fairly."""

import os
import platform
import shutil
import subprocess
from pathlib import Path

import asyncpg

from bench.peers import postgraphile

ROOT = Path(__file__).resolve().parent.parent.parent


def _cpu() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "?"


def _output(command: list[str]) -> str:
    """First line a tool prints about itself (wrk prints its version and exits 1)."""
    try:
        done = subprocess.run(  # noqa: S603 (fixed commands of our own)
            command, capture_output=True, text=True, check=False, timeout=10
        )
    except OSError:
        return "?"
    text = (done.stdout or done.stderr).strip()
    return text.splitlines()[0] if text else "?"


def commit() -> str:
    """The checkout's commit, marked when tracked files differ from it: read when the contenders
    start, since others may commit while a run lasts and a running server keeps what it loaded."""
    git = shutil.which("git") or "git"
    head = _output([git, "-C", str(ROOT), "rev-parse", "--short", "HEAD"])
    dirty = _output([git, "-C", str(ROOT), "status", "--porcelain", "--untracked-files=no"])
    return f"{head}{' (with uncommitted changes of others in the tree)' if dirty != '?' else ''}"


async def describe(url: str, started_at: str) -> list[str]:
    """`started_at`: `commit()` as the contenders started."""
    connection = await asyncpg.connect(url)
    try:
        server = await connection.fetchval("SHOW server_version")
    finally:
        await connection.close()
    load = os.getloadavg()
    wrk = shutil.which("wrk") or "wrk"
    return [
        f"- Machine: {os.cpu_count()} cores, {_cpu()}, {platform.system()} "
        f"{platform.release()}; load average at the end {load[0]:.2f} / {load[1]:.2f} / "
        f"{load[2]:.2f} (other work shares this machine)",
        f"- Versions: Python {platform.python_version()}, PostgreSQL {server}, Node "
        f"{_output([str(postgraphile.NODE), '--version'])}, PostGraphile "
        f"{postgraphile.installed_version()}, {_output([wrk, '--version'])}",
        f"- Parley: commit {started_at} when the contenders started",
    ]
