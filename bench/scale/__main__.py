"""`python -m bench.scale [--quick]`: creates its database, seeds it, reads Parley's write from the
statement log, measures the ingest ratio and the curve, writes bench/results-scale.md and
bench/results-scale.svg, and drops the database; every process it started is stopped on the way
out, a failure or Ctrl-C included."""

import argparse
import asyncio
import shlex
import signal
import sys
import tempfile
import time
from pathlib import Path
from types import FrameType

from bench.live import processes, setup
from bench.live.report import machine
from bench.live.setup import drop_database, fresh_database
from bench.scale import curve, database, ingest, probe, reference, report, servers
from resolvers.ids import decode_id


def _arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.scale")
    parser.add_argument("--quick", action="store_true", help="one round, short windows (~2 min)")
    parser.add_argument("--conversations", type=int, help="seeded (50,000; quick 10,000)")
    parser.add_argument("--rounds", type=int, help="ingest rounds, medians of them (3; quick 1)")
    parser.add_argument("--widgets", type=int, help="curve widget sockets (200; quick 50)")
    parser.add_argument("--dashboards", type=int, help="curve dashboard sockets (200; quick 50)")
    parser.add_argument("--writers", type=int, help="curve writers (16; quick 8)")
    parser.add_argument(
        "--raw-event",
        choices=sorted(reference.EVENT_WRITES),
        help="the raw reference's event write (default: the shape Parley's statement log shows)",
    )
    parser.add_argument("--only", choices=("ingest", "curve"), help="run one of the two parts")
    parser.add_argument("--no-write", action="store_true", help="print, do not write results")
    args = parser.parse_args()
    quick = args.quick
    args.conversations = args.conversations or (10_000 if quick else 50_000)
    args.rounds = args.rounds or (1 if quick else 3)
    args.widgets = args.widgets or (50 if quick else 200)
    args.dashboards = args.dashboards or (50 if quick else 200)
    args.writers = args.writers or (8 if quick else 16)
    return args


def _terminate(signum: int, _frame: FrameType | None) -> None:
    """SIGTERM ends the run like Ctrl-C: through every `finally`."""
    raise SystemExit(128 + signum)


def _prepare(
    url: str, mix: curve.Mix, conversations: int, logs: Path
) -> tuple[str, int, setup.Workspace, list[int]]:
    """The workspace (its secret key and id), the widgets' assistant and conversations made
    through the API, and the seeded conversations' ids."""
    secret = setup.create_workspace(url, "scale bench")
    workspace = database.workspace_of(url, secret)
    server = servers.parley("setup", url, logs, 1)
    try:
        made = asyncio.run(setup.populate(server.http, secret, mix.widgets))
    finally:
        servers.stop(server)
    assistant = decode_id(made.assistant_id, "Assistant")
    return secret, workspace, made, database.seed(url, workspace, assistant, conversations)


def main() -> None:
    args = _arguments()
    signal.signal(signal.SIGTERM, _terminate)
    processes.raise_file_limit()
    began = time.monotonic()
    logs = Path(tempfile.mkdtemp(prefix="parley-scale-bench-"))
    url = database.database_url()
    timing = (
        ingest.Timing(args.rounds, 1.0, 3.0) if args.quick else ingest.Timing(args.rounds, 2.0, 5.0)
    )
    window = (2.0, 5.0) if args.quick else (3.0, 8.0)
    mix = curve.Mix(args.widgets, args.dashboards, args.writers, 2.0)
    print(f"scale bench: database {setup.database_name(url)}, logs in {logs}", flush=True)
    try:
        fresh_database(url)
        secret, workspace, made, conversations = _prepare(url, mix, args.conversations, logs)
        given = ingest.Setup(url, secret, workspace, conversations, logs)
        forced = reference.EVENT_WRITES[args.raw_event] if args.raw_event else None
        found = probe.run(url, secret, workspace, conversations, logs, forced)
        matched = found.mirrored.name if found.mirrored else "none matched"
        print(f"  Parley's event write: {matched}; the raw reference's: {found.used.name}")
        measured = ingest.run(given, timing, found.used) if args.only != "curve" else None
        widgets = curve.Widgets(
            secret,
            made.assistant_id,
            [decode_id(w.conversation_id, "Conversation") for w in made.widgets],
            curve.sockets(
                [(w.conversation_id, w.session_token) for w in made.widgets], mix.dashboards, secret
            ),
        )
        legs = curve.run(given, widgets, mix, window) if args.only != "ingest" else []
        wrong = database.mismatched(url, workspace)
        if wrong:
            print(f"  *** {wrong} conversations' totals disagree with their messages", flush=True)
    finally:
        servers.stop_all()
        drop_database(url)
    run = report.Run(
        argv=shlex.join(sys.argv[1:]),
        database=setup.database_name(url),
        conversations=len(conversations),
        quick=args.quick,
        ingest_timing=(
            f"{timing.rounds} round(s), each cell {timing.warmup:g} s of warm-up then "
            f"{timing.seconds:g} s measured"
        ),
        curve_timing=f"each leg {window[0]:g} s of warm-up then {window[1]:g} s measured",
        seconds=time.monotonic() - began,
        machine=[
            *machine(),
            f"- Conversations whose totals disagree with their messages after the writes: {wrong}",
        ],
    )
    text = report.render(run, measured, found, legs, mix)
    print()
    print(text)
    if not args.no_write:
        report.RESULTS.write_text(text)
        if legs:
            report.PLOT.write_text(report.plot(legs))
        print(f"written: {report.RESULTS}" + (f" and {report.PLOT}" if legs else ""))


if __name__ == "__main__":
    main()
