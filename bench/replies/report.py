"""Figures with the issue's targets, printed and written to bench/results-replies.md."""

import itertools
import statistics
from collections import Counter
from typing import Any

from bench.live.processes import ROOT
from bench.live.report import Figure, machine
from bench.live.stats import summary
from bench.replies.database import REPLY_TABLES
from bench.replies.phases import Paced, Streamed, Turns
from bench.replies.takeover import Trial

CHECKPOINT = "UPDATE message SET content"
RESULTS = ROOT / "bench" / "results-replies.md"
LATENCY_P99_MS = 100.0
WRITES_PER_REPLY = 5.0
ENGINE_MS_PER_TURN = 10.0
TAKEOVER_SECONDS = 30.0


def _checked(stream: Streamed, chunks: int) -> dict[str, Any]:
    """Per reply: what the writer appended against what its socket was handed, piece by piece."""
    watched = {w["conversation"]: w for w in stream.watcher["watched"]}
    found: Counter[str] = Counter()
    latencies: list[float] = []
    for written in stream.writer["replies"]:
        seen = watched[written["conversation"]]
        pieces = seen["pieces"]
        latencies += seen["latencies"]
        found["lost"] += chunks - len(set(pieces))
        found["duplicated"] += len(pieces) - len(set(pieces))
        found["reordered"] += sum(1 for a, b in itertools.pairwise(pieces) if b <= a)
        found["text differs"] += seen["shown"] != written["text"]
        found["final text differs"] += seen["final_text"] != written["text"]
        found["recorded text differs"] += written["recorded"] != written["text"]
        found["not COMPLETE"] += seen["final_state"] != "COMPLETE"
        found["append errors"] += written["errors"]
        found["late sends"] += written["late"]
        found["repeated chunks"] += seen["repeated_chunks"]
        found["gap chunks"] += seen["gap_chunks"]
    return {"counts": found, "latency": summary(latencies), "pieces": len(latencies)}


def _stream_figures(
    stream: Streamed, replies: int, chunks: int
) -> tuple[dict[str, Any], list[Figure]]:
    checked = _checked(stream, chunks)
    counts, latency = checked["counts"], checked["latency"]
    wrong = sum(counts[k] for k in ("lost", "duplicated", "reordered", "text differs"))
    wrong += counts["final text differs"] + counts["recorded text differs"]
    per_reply = stream.writes.replies / replies
    rows = sum(n for table, n in stream.rows.items() if table in REPLY_TABLES) / replies
    figures = [
        Figure("chunk → subscriber p50 (from the writer's POST)", latency["p50"], "ms"),
        Figure("chunk → subscriber p99 (from the writer's POST)", latency["p99"], "ms", 100),
        Figure("chunk → subscriber max", latency["max"], "ms"),
        Figure("pieces lost, duplicated or reordered; texts that differ", wrong, "", 0),
        Figure(
            "write transactions per reply (statement log; those writing message, conversation, "
            "conversation_event or workspace)",
            per_reply,
            "",
            WRITES_PER_REPLY,
        ),
        Figure(
            "of which checkpoints (`UPDATE message SET content …`)",
            sum(n for sql, n in stream.writes.statements.items() if CHECKPOINT in sql) / replies,
            "",
        ),
        Figure(
            "a reply's duration, open to finish (mean)",
            statistics.mean(r["seconds"] for r in stream.writer["replies"]),
            "s",
        ),
        Figure("write transactions of any kind per reply", stream.writes.total / replies, ""),
        Figure("rows written per reply in those tables (pg_stat_user_tables)", rows, ""),
        Figure(
            "server CPU per appended piece",
            1e6 * stream.server_cpu / max(1, replies * chunks),
            "µs",
        ),
    ]
    return checked, figures


def paced_figures(paced: Paced, pieces: int) -> tuple[Counter[str], list[Figure]]:
    """The engine's replies at a model's pace: what each visitor's socket was handed, and what
    the replies cost the database (claims, links and ends of their turns included)."""
    found: Counter[str] = Counter()
    latencies: list[float] = []
    for turn in paced.turns:
        numbers = turn["pieces"]
        latencies += turn["latencies"]
        found["lost"] += pieces - len(set(numbers))
        found["duplicated"] += len(numbers) - len(set(numbers))
        found["reordered"] += sum(1 for a, b in itertools.pairwise(numbers) if b <= a)
        found["text differs"] += turn["text_differs"]
        found["not COMPLETE"] += turn["state"] != "COMPLETE"
        found["repeated chunks"] += turn["repeated_chunks"]
        found["gap chunks"] += turn["gap_chunks"]
    replies = len(paced.turns)
    latency = summary(latencies)
    wrong = sum(found[k] for k in ("lost", "duplicated", "reordered", "text differs"))
    wrong += found["not COMPLETE"]
    checkpoints = sum(n for sql, n in paced.writes.statements.items() if CHECKPOINT in sql)
    return found, [
        Figure("paced: piece → subscriber p50 (from the provider's send)", latency["p50"], "ms"),
        Figure(
            "paced: piece → subscriber p99 (from the provider's send)",
            latency["p99"],
            "ms",
            LATENCY_P99_MS,
        ),
        Figure("paced: piece → subscriber max", latency["max"], "ms"),
        Figure("paced: pieces lost, duplicated or reordered; replies wrong", wrong, "", 0),
        Figure(
            "paced: write transactions per reply (its message, conversation, events and turn: "
            "claim, link, checkpoints, end; the visitor's own message not counted)",
            paced.writes.turns / replies,
            "",
            WRITES_PER_REPLY,
        ),
        Figure("paced: of which checkpoints", checkpoints / replies, ""),
        Figure(
            "paced: a turn, message sent to the reply's end at its socket (mean)",
            statistics.mean(t["seconds"] for t in paced.turns),
            "s",
        ),
        Figure(
            "paced: server CPU per piece (engine, board and sockets in one process)",
            1e6 * paced.server_cpu / max(1, replies * pieces),
            "µs",
        ),
    ]


def render_streams(stream: Streamed, replies: int, chunks: int) -> str:
    """The first phase's figures alone (`--streams-only`)."""
    checked, figures = _stream_figures(stream, replies, chunks)
    return "\n".join([str(dict(checked["counts"])), *[f.row() for f in figures]])


def render(
    options: dict[str, Any],
    stream: Streamed,
    paced: Paced,
    sizes: list[Turns],
    trials: list[Trial],
) -> str:
    replies, chunks = options["replies"], options["chunks"]
    checked, figures = _stream_figures(stream, replies, chunks)
    counts = checked["counts"]
    paced_found, paced_rows = paced_figures(paced, options["paced_pieces"])
    figures += paced_rows
    for size in sizes:
        figures.append(
            Figure(
                f"engine CPU per turn beyond idle, {size.pieces} pieces",
                size.ms_per_turn,
                "ms",
                ENGINE_MS_PER_TURN,
            )
        )
    if len(sizes) == 2:
        small, large = sizes
        per_piece = (large.ms_per_turn - small.ms_per_turn) / (large.pieces - small.pieces)
        figures.append(Figure("engine CPU per piece relayed", 1000 * per_piece, "µs"))
        figures.append(
            Figure(
                "engine CPU per turn, fixed part",
                small.ms_per_turn - small.pieces * per_piece,
                "ms",
            )
        )
    for n, trial in enumerate(trials, 1):
        figures.append(
            Figure(
                f"kill {n}: SIGKILL → the socket's last chunk ({trial.final_state})",
                trial.to_socket,
                "s",
                TAKEOVER_SECONDS,
            )
        )
        figures.append(
            Figure(f"kill {n}: SIGKILL → turn ended in the database", trial.to_turn_ended, "s")
        )
        figures.append(
            Figure(
                f"kill {n}: replies to the visitor's message ({trial.replies_to_message}) "
                "differ from one by",
                abs(trial.replies_to_message - 1),
                "",
                0,
            )
        )
    lines = [
        "# Streamed replies: fan-out, writes, the engine's CPU and a killed engine",
        "",
        "Written by `python -m bench.replies` (what `make bench` runs last; see "
        "bench/replies/__init__.py). Do not edit by hand.",
        "",
        *machine(),
        f"- Database: PostgreSQL, `{options['database']}` (created for the run, dropped after)",
        f"- Command: `.venv/bin/python -m bench.replies {options['argv']}`",
        f"- Streams: {replies} replies at once, {chunks} pieces each at {options['rate']:g} "
        f"pieces/s per reply ({replies * options['rate']:g} appendReply/s in all), each from its "
        "own keep-alive HTTP connection (openReply, appendReply × N, finishReply with the "
        "secret key) in one writer process; each reply watched by its widget's socket "
        "(`replyChunks`, session token) in one watcher process; one `parley serve` "
        f"(PARLEY_ENGINE=false). Took {stream.seconds:.1f} s; server CPU "
        f"{stream.server_cpu:.2f} s.",
        f"- Checks, summed over the replies: {dict(counts) or 'none'}",
        f"- Paced: {len(paced.turns)} visitors send a message at once; the built-in engine "
        "inside one `parley serve` (PARLEY_ENGINE_CONCURRENCY as many) answers each with "
        f"{options['paced_pieces']} pieces, the fake provider (another process) sending "
        f"{options['paced_rate']:g} pieces/s per reply, each piece its number and the time it "
        "was sent; each visitor's socket on that process reads them. Writes as below, from "
        "the statement log over the visitors' run, less the visitors' own sendMessage "
        "transactions (those that queued a turn). Took "
        f"{paced.seconds:.1f} s; server CPU {paced.server_cpu:.2f} s. Checks: "
        f"{dict(paced_found) or 'none'}.",
        f"- Latency: {checked['pieces']} pieces timed, from the wall-clock time the writer put in "
        "each piece just before its POST to the watcher's receipt (same machine, same clock).",
        "- Writes: write transactions from PostgreSQL's statement log for this database "
        "(statements between BEGIN and COMMIT are one; a transaction writes when one statement "
        "is an INSERT, UPDATE or DELETE), over the measured server's whole life, the widgets' "
        "sockets included; rows from pg_stat_user_tables (n_tup_ins + n_tup_upd + n_tup_del), "
        f"read after the server exited: {stream.rows}.",
        "- Engine: `parley engine` in its own process against the tests' fake provider "
        "(tests/support/model_server.py) in another, pieces every "
        f"{options['piece_delay'] * 1000:g} ms; {options['engine_conversations']} visitors at "
        f"once, {options['turns']} turns each per size, each sending a message and waiting on "
        "its socket for the reply's end; CPU is utime + stime of /proc/<pid>/stat over the run "
        f"minus the same process's idle rate measured over {options['idle_seconds']:g} s "
        f"({sizes[0].idle_cpu_per_second * 1000:.2f} ms/s). "
        + "; ".join(
            f"{s.pieces} pieces: {s.turns} turns in {s.seconds:.1f} s, {s.engine_cpu:.2f} s CPU, "
            f"states {s.states}, turn p50 {statistics.median(s.turn_seconds):.2f} s"
            for s in sizes
        ),
        "- Kills: two `parley engine` processes with the default lease "
        "(PARLEY_ENGINE_LEASE_SECONDS=20; an engine looks for expired turns every 5 s); the one "
        f"named by the turn's `claimed_by` is sent SIGKILL after {5} pieces of a 200-piece reply "
        "(a piece every 100 ms), and a fresh engine replaces it after each trial. "
        + "; ".join(
            f"kill {n}: turns {t.turn_states}, provider requests {t.provider_requests}"
            for n, t in enumerate(trials, 1)
        ),
        "",
        "| figure | value | target | ratio |",
        "| --- | --- | --- | --- |",
        *[figure.row() for figure in figures],
        "",
        "Write transactions in the streams' window, by the tables they wrote:",
        "",
        *[f"- {n} × {', '.join(tables)}" for tables, n in stream.writes.transactions.most_common()],
        "",
        "Write statements in the streams' window:",
        "",
        *[f"- {n} × `{sql}`" for sql, n in stream.writes.statements.most_common()],
        "",
        "Write transactions of the paced replies, by the tables they wrote "
        f"({paced.writes.queued} of them the visitors' messages):",
        "",
        *[f"- {n} × {', '.join(tables)}" for tables, n in paced.writes.transactions.most_common()],
        "",
        "Write statements of the paced replies:",
        "",
        *[f"- {n} × `{sql}`" for sql, n in paced.writes.statements.most_common()],
        "",
    ]
    return "\n".join(lines)
