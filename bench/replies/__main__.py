"""`python -m bench.replies [--replies 100] [--chunks 200] [--rate 2] [--quick]`: creates its
own database, runs the four phases (streams through the API, the engine's replies at a model's
pace, the engine's CPU per turn, a killed engine), prints every figure and writes
bench/results-replies.md; drops its database."""

import argparse
import asyncio
import shlex
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from bench.live import processes
from bench.live.setup import database_name, drop_database, fresh_database
from bench.replies import database, phases, report, takeover
from resolvers.ids import decode_id

TURN_SIZES = (20, 200)
"""Pieces per engine reply: two sizes give the cost per turn and per piece apart."""


def _engine_phases(url: str, args: argparse.Namespace, logs: Path) -> dict[str, Any]:
    provider, provider_url = phases.provider(logs)
    server = processes.parley("engine-api", url, logs, phases.SERVE_ENV)
    engines: list[phases.Engine] = []
    try:
        conversations = args.engine_conversations
        workspace = phases.engine_workspace(url, server, conversations + args.kills)
        widgets = [(w.conversation_id, w.session_token) for w in workspace.widgets]
        measured, spare = widgets[:conversations], widgets[conversations:]
        engines.append(phases.engine(url, f"{provider_url}/v1"))
        pid = engines[0].pid
        print(f"  engine {pid}: warming up", flush=True)
        phases.answer(provider_url, 20, 0.0)
        phases.turns(server, pid, measured, 1, 20, 0.0, logs)
        idle = phases.idle_cpu_per_second(pid, args.idle_seconds)
        print(f"  engine idle: {idle * 1000:.2f} ms CPU/s", flush=True)
        sizes = []
        for pieces in TURN_SIZES:
            phases.answer(provider_url, pieces, args.piece_delay)
            done = phases.turns(server, pid, measured, args.turns, pieces, idle, logs)
            print(
                f"  engine, {pieces} pieces: {done.turns} turns, {done.ms_per_turn:.2f} ms CPU "
                f"per turn beyond idle ({done.states})",
                flush=True,
            )
            sizes.append(done)
        trials = []
        if args.kills:
            engines.append(phases.engine(url, f"{provider_url}/v1"))
            phases.answer(provider_url, 200, 0.1)
            for conversation, token in spare:
                pids = {engine.pid for engine in engines if engine.process.poll() is None}
                pk = decode_id(conversation, "Conversation")
                done_trial = _trial(url, server, (conversation, pk, token), pids, provider_url)
                print(f"  kill: {done_trial}", flush=True)
                trials.append(done_trial)
                engines = [e for e in engines if e.pid != done_trial.killed_pid]
                engines.append(phases.engine(url, f"{provider_url}/v1"))
        return {"sizes": sizes, "trials": trials}
    finally:
        for engine in engines:
            engine.stop()
        server.stop()
        provider.stop()


def _trial(
    url: str,
    server: processes.Server,
    conversation: tuple[str, int, str],
    pids: set[int],
    provider_url: str,
) -> takeover.Trial:
    graphql = (server.http, server.ws)
    return asyncio.run(takeover.trial(url, graphql, conversation, pids, provider_url))


def _paced_only(url: str, args: argparse.Namespace, logs: Path) -> None:
    paced = phases.paced(url, args.paced_replies, args.paced_pieces, args.paced_rate, logs)
    found, figures = report.paced_figures(paced, args.paced_pieces)
    print("\n".join([str(dict(found)), *[f.row() for f in figures]]))
    print("\n".join(f"{n} × {sql}" for sql, n in paced.writes.statements.most_common()))


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.replies")
    parser.add_argument("--replies", type=int, default=100, help="replies streamed at once")
    parser.add_argument("--chunks", type=int, default=200, help="pieces per reply")
    parser.add_argument(
        "--rate",
        type=float,
        default=2.0,
        help="pieces per second per reply (2: 200 appendReply/s in all, what one process "
        "serves here with room to spare; 3 already saturates it on these 2 shared cores)",
    )
    parser.add_argument("--paced-replies", type=int, default=100, help="engine replies at once")
    parser.add_argument("--paced-pieces", type=int, default=200, help="pieces per engine reply")
    parser.add_argument(
        "--paced-rate", type=float, default=50.0, help="the provider's pieces/s per reply"
    )
    parser.add_argument("--paced-only", action="store_true", help="only the paced phase")
    parser.add_argument("--engine-conversations", type=int, default=16)
    parser.add_argument("--turns", type=int, default=5, help="turns per conversation and size")
    parser.add_argument("--piece-delay", type=float, default=0.005, help="provider's pace (s)")
    parser.add_argument("--idle-seconds", type=float, default=10.0)
    parser.add_argument("--kills", type=int, default=3, help="engines killed mid-reply")
    parser.add_argument("--quick", action="store_true", help="small and short: a trial run")
    parser.add_argument("--no-write", action="store_true", help="do not write the results")
    parser.add_argument("--streams-only", action="store_true", help="only the first phase")
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    args = parser.parse_args()
    if args.quick:
        args.replies, args.chunks, args.turns, args.kills = 20, 40, 2, 1
        args.paced_replies, args.paced_pieces = 20, 40
        args.idle_seconds = 3.0
    processes.raise_file_limit()
    began = time.monotonic()
    logs = Path(tempfile.mkdtemp(prefix="parley-replies-bench-"))
    url = database.database_url()
    print(f"replies bench: database {database_name(url)}, logs in {logs}", flush=True)
    fresh_database(url)
    try:
        if args.paced_only:
            _paced_only(url, args, logs)
            return
        stream = phases.streamed(url, args.replies, args.chunks, args.rate, logs)
        print(f"  streams: {args.replies} × {args.chunks} pieces in {stream.seconds:.1f} s")
        if args.streams_only:
            print(report.render_streams(stream, args.replies, args.chunks))
            return
        paced = phases.paced(url, args.paced_replies, args.paced_pieces, args.paced_rate, logs)
        print(f"  paced: {args.paced_replies} engine replies in {paced.seconds:.1f} s", flush=True)
        engine = _engine_phases(url, args, logs)
    finally:
        if not args.keep:
            drop_database(url)
    options = {
        "argv": shlex.join(sys.argv[1:]),
        "database": database_name(url),
        "replies": args.replies,
        "chunks": args.chunks,
        "rate": args.rate,
        "piece_delay": args.piece_delay,
        "engine_conversations": args.engine_conversations,
        "turns": args.turns,
        "idle_seconds": args.idle_seconds,
        "paced_pieces": args.paced_pieces,
        "paced_rate": args.paced_rate,
    }
    text = report.render(options, stream, paced, engine["sizes"], engine["trials"])
    print()
    print(text)
    print(f"(whole run {time.monotonic() - began:.0f} s)")
    if not args.no_write and not args.quick:
        report.RESULTS.write_text(text)


if __name__ == "__main__":
    main()
