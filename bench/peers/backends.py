"""Which PostgreSQL backends serve one of our processes, so the statement log is read for them only.

The log is the server's, shared by every client of the bench's database (another engineer's
server pointed at the same data shows up in it too). Each log line carries its backend's pid;
pg_stat_activity maps a backend to its client's TCP port, and /proc maps our process group's
sockets to their local ports. Linux only, as the log's location is.
"""

import asyncio
import os
from pathlib import Path

import asyncpg

PROC = Path("/proc")


def _group(pgid: int) -> list[int]:
    """Every process of a process group: a server and the workers it started."""
    found = []
    for entry in PROC.iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        # Fields after the command's closing parenthesis: state, ppid, pgrp, …
        if int(stat.rsplit(")", 1)[1].split()[2]) == pgid:
            found.append(int(entry.name))
    return found


def _sockets(pid: int) -> set[str]:
    inodes = set()
    try:
        for descriptor in (PROC / str(pid) / "fd").iterdir():
            try:
                target = os.readlink(descriptor)
            except OSError:
                continue
            if target.startswith("socket:["):
                inodes.add(target[len("socket:[") : -1])
    except OSError:
        pass
    return inodes


def _local_ports(inodes: set[str]) -> set[int]:
    ports = set()
    for table in ("tcp", "tcp6"):
        try:
            lines = (PROC / "net" / table).read_text().splitlines()[1:]
        except OSError:
            continue
        for line in lines:
            columns = line.split()
            if columns[9] in inodes:
                ports.add(int(columns[1].rsplit(":", 1)[1], 16))
    return ports


async def _backends(url: str, ports: set[int]) -> set[int]:
    connection = await asyncpg.connect(url)
    try:
        rows = await connection.fetch(
            "SELECT pid FROM pg_stat_activity WHERE client_port = ANY($1::int[])", sorted(ports)
        )
    finally:
        await connection.close()
    return {row["pid"] for row in rows}


def backends_of(url: str, pgid: int) -> set[int]:
    """The backend pids whose clients are sockets of process group `pgid`, right now."""
    inodes: set[str] = set()
    for pid in _group(pgid):
        inodes |= _sockets(pid)
    return asyncio.run(_backends(url, _local_ports(inodes)))
