"""The scale bench's pure parts: reading write transactions out of PostgreSQL's statement log,
matching Parley's event write to a shape of the raw reference, and the plot being SVG.

Run with `.venv/bin/pytest bench/scale/test_scale.py` (the suite's testpaths are tests/ only).
"""

import xml.etree.ElementTree as ET
from pathlib import Path

from bench.scale import probe, reference
from bench.scale.curve import BUS, POSTGRES, Leg
from bench.scale.report import plot

PREFIX = "2026-12-08 02:29:25.898 UTC [{pid}] postgres@{db} LOG:  "


def _line(pid: int, text: str, db: str = "parley_scale_bench") -> str:
    return PREFIX.format(pid=pid, db=db) + text


def test_reads_the_write_transactions_of_its_own_database(tmp_path: Path) -> None:
    log = tmp_path / "postgresql.log"
    log.write_text(
        "\n".join(
            [
                _line(1, "statement: BEGIN;"),
                _line(2, "statement: BEGIN;"),
                _line(1, "execute __asyncpg_stmt_1__: SELECT * FROM conversation FOR UPDATE"),
                _line(2, "execute __asyncpg_stmt_2__: SELECT e.id FROM webhook_endpoint e"),
                _line(3, "execute s: INSERT INTO message (x) VALUES (1)", db="other_bench"),
                _line(1, "execute __asyncpg_stmt_3__: WITH written AS (INSERT INTO message (a)"),
                _line(1, "execute __asyncpg_stmt_4__: SELECT current_setting('jit') AS cur"),
                _line(1, "execute __asyncpg_stmt_5__: SELECT pg_notify('parley_events', '1:2')"),
                _line(2, "statement: COMMIT;"),
                _line(1, "statement: COMMIT;"),
            ]
        )
        + "\n"
    )
    found = probe.transactions(log, 0, "parley_scale_bench")
    assert found == [
        [
            "BEGIN;",
            "SELECT * FROM conversation FOR UPDATE",
            "WITH written AS (INSERT INTO message (a)",
            "SELECT pg_notify('parley_events', '1:2')",
            "COMMIT;",
        ]
    ]


def test_matches_parley_s_event_write_to_a_shape() -> None:
    today = [reference.NUMBERED_NOTIFY.sql]
    assert reference.match_shape(today) is reference.NUMBERED_NOTIFY
    later = ["INSERT INTO conversation_event (workspace_id, seq) VALUES ($1, NULL)"]
    assert reference.match_shape(later) is reference.SEQUENCED_LATER
    unknown = ["INSERT INTO conversation_event (workspace_id) VALUES ($1)", "SELECT pg_notify('x')"]
    assert reference.match_shape(unknown) is None


def test_the_plot_is_svg_and_leaves_out_what_was_not_measured() -> None:
    legs = [
        Leg(POSTGRES, 1, 300.0, 0, {"p50": 10, "p99": 80, "n": 5}, None, {"widget": 5}),
        Leg(POSTGRES, 2, 250.0, 0, {"p50": 12, "p99": 90, "n": 5}, None, {"widget": 5}),
        Leg(BUS, 1, 999.0, 0, {"p50": 1, "p99": 2, "n": 5}, None, {"widget": 5}, note="unused"),
        Leg(BUS, 2, note="not available"),
    ]
    svg = plot(legs)
    ET.fromstring(svg)  # noqa: S314 (our own output): well-formed
    assert ">300<" in svg
    assert ">250<" in svg
    assert ">999<" not in svg
