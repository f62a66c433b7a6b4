"""Caps on open websockets that hold across every server process: each open socket holds a lease
row per thing it is counted under (its key, its address), taken in one transaction that counts the
live leases first, under a lock per subject (PostgreSQL advisory locks; SQLite runs one write
transaction at a time). A process renews its own leases every `RENEW_SECONDS`; a process that dies
leaves leases that stop counting after `LEASE_SECONDS`.
"""

import asyncio
import logging
import time
import uuid
from collections.abc import Sequence
from contextlib import suppress
from itertools import count

from tortoise.transactions import in_transaction

from resolvers.database.sql import Params, dialect, fetch

logger = logging.getLogger("parley.ratelimit")

LEASE_SECONDS = 90.0
RENEW_SECONDS = 30.0


class SocketLeases:
    """This process's leases; `acquire` takes one per (subject, cap) or none at all."""

    def __init__(self) -> None:
        self.process = uuid.uuid4().hex[:16]
        self._serial = count(1)
        self._held: set[str] = set()
        self._renewer: asyncio.Task[None] | None = None

    def start(self) -> None:
        self._renewer = asyncio.create_task(self._renew_forever(), name="socket-leases")

    async def stop(self) -> None:
        if self._renewer is not None:
            self._renewer.cancel()
            with suppress(asyncio.CancelledError):
                await self._renewer
        if self._held:
            with suppress(Exception):  # leases left behind run out by themselves
                await self._delete(list(self._held))

    async def acquire(self, wanted: Sequence[tuple[str, int]]) -> list[str] | None:
        """Lease ids for each (subject, cap) with a positive cap, or None (nothing taken) when
        one of those subjects holds `cap` live leases already."""
        wanted = sorted((subject, cap) for subject, cap in wanted if cap > 0)
        if not wanted:
            return []
        socket = next(self._serial)
        now = time.time()
        subjects = [subject for subject, _ in wanted]
        async with in_transaction() as connection:
            if dialect() == "postgres":
                for subject in subjects:  # sorted: no two processes wait on each other
                    await connection.execute_query(
                        "SELECT pg_advisory_xact_lock(hashtext($1))", [f"socket:{subject}"]
                    )
            params = Params(dialect())
            rows = await fetch(
                "SELECT subject, COUNT(*) AS open FROM socket_lease "
                f"WHERE subject IN {params.add_all(subjects)} AND expires_at > {params.add(now)} "
                "GROUP BY subject",
                params,
                connection,
            )
            open_now = {row["subject"]: int(row["open"]) for row in rows}
            if any(open_now.get(subject, 0) >= cap for subject, cap in wanted):
                return None
            ids = [f"{self.process}:{socket}:{n}" for n in range(len(wanted))]
            params = Params(dialect())
            values = ", ".join(
                f"({params.add(lease)}, {params.add(subject)}, {params.add(now + LEASE_SECONDS)})"
                for lease, subject in zip(ids, subjects, strict=True)
            )
            await connection.execute_query(
                f"INSERT INTO socket_lease (id, subject, expires_at) VALUES {values}",
                params.values,
            )
        self._held.update(ids)
        return ids

    async def forget_all(self) -> None:
        """Deletes every lease of every process (tests start from zero)."""
        self._held.clear()
        await fetch("DELETE FROM socket_lease", Params(dialect()))

    async def release(self, ids: Sequence[str]) -> None:
        self._held.difference_update(ids)
        if ids:
            await self._delete(list(ids))

    async def _delete(self, ids: list[str]) -> None:
        params = Params(dialect())
        await fetch(f"DELETE FROM socket_lease WHERE id IN {params.add_all(ids)}", params)

    async def _renew_forever(self) -> None:
        while True:
            await asyncio.sleep(RENEW_SECONDS)
            try:
                now = time.time()
                params = Params(dialect())
                prefix = params.add(f"{self.process}:%")
                await fetch(
                    f"UPDATE socket_lease SET expires_at = {params.add(now + LEASE_SECONDS)} "
                    f"WHERE id LIKE {prefix}",
                    params,
                )
                params = Params(dialect())
                expired = f"DELETE FROM socket_lease WHERE expires_at <= {params.add(now)}"
                await fetch(expired, params)
            except Exception:  # renewed again next time; leases outlive two missed renewals
                logger.exception("renewing socket leases failed")
