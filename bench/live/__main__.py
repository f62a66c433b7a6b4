"""`python -m bench.live [--sockets 2000] [--idle-sockets 10000] [--quick]`: sets up its
database, runs the fan-out, the bare broadcast and the idle phase, prints every figure and writes
bench/results-live.md."""

import argparse
import asyncio
import shlex
import sys
import tempfile
import time
from pathlib import Path

from bench.live import phases, processes, report, setup
from bench.live.driver import plan


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.live")
    parser.add_argument("--sockets", type=int, default=2000, help="half widgets, half dashboards")
    parser.add_argument("--message-rate", type=float, default=50.0, help="messages per second")
    parser.add_argument("--start-rate", type=float, default=2.0, help="TEST starts per second")
    parser.add_argument("--seconds", type=float, default=30.0, help="measured fan-out window")
    parser.add_argument("--idle-seconds", type=float, default=60.0, help="idle window")
    parser.add_argument(
        "--idle-sockets",
        type=int,
        default=0,
        help="sockets of the idle phase, half widgets (several per conversation past --sockets), "
        "half dashboards; default as many as --sockets (`make bench` holds 10,000)",
    )
    parser.add_argument("--quick", action="store_true", help="200 sockets, short windows")
    parser.add_argument("--no-write", action="store_true", help="do not write results-live.md")
    args = parser.parse_args()
    if args.quick:
        args.sockets, args.seconds, args.idle_seconds = 200, 10.0, 20.0
    processes.raise_file_limit()
    began = time.monotonic()
    logs = Path(tempfile.mkdtemp(prefix="parley-live-bench-"))
    url = setup.database_url()
    print(f"live bench: database {setup.database_name(url)}, logs in {logs}", flush=True)
    setup.prepare_database(url)
    setup.forget_earlier_runs(url)
    secret = setup.create_workspace(url, f"{setup.WORKSPACE_PREFIX}{time.strftime('%H:%M:%S')}")
    widgets_n = args.sockets // 2
    dashboards_n = args.sockets - widgets_n
    writer_server = processes.parley("writer", url, logs)
    try:
        workspace = asyncio.run(setup.populate(writer_server.http, secret, widgets_n))
        widgets = [(w.conversation_id, w.session_token) for w in workspace.widgets]
        sockets = plan(widgets, dashboards_n, secret)
        print(f"  set up {len(widgets)} widgets in {time.monotonic() - began:.0f} s", flush=True)
        writer_plan = {
            "url": writer_server.http,
            "key": secret,
            "assistant": workspace.assistant_id,
            "conversations": [conversation for conversation, _ in widgets],
            "message_rate": args.message_rate,
            "start_rate": args.start_rate,
        }
        load = phases.Load(args.message_rate, args.start_rate, args.seconds)
        parley, written = phases.fan_out(url, sockets, writer_plan, load, logs)
        print(f"  fan-out: {parley.frames} frames, {parley.us_per_frame:.0f} µs/frame", flush=True)
    finally:
        writer_server.stop()
    bare = phases.bare(sockets, parley, logs)
    print(f"  bare: {bare.frames} frames, {bare.us_per_frame:.0f} µs/frame", flush=True)
    held = args.idle_sockets or len(sockets)
    idle_plan = plan(widgets, held - held // 2, secret, sockets_of_widgets=held // 2)
    idle = phases.idle(url, idle_plan, args.idle_seconds, logs)
    print(f"  idle: {idle.kb_per_socket:.1f} KB/socket, {idle.per_second:.2f} statements/s")
    options = {
        "database": setup.database_name(url),
        "argv": shlex.join(sys.argv[1:]),
        "widgets": widgets_n,
        "dashboards": dashboards_n,
        "message_rate": args.message_rate,
        "start_rate": args.start_rate,
    }
    text = report.render(options, parley, bare, idle, written, report.machine())
    print()
    print(text)
    print(f"(whole run {time.monotonic() - began:.0f} s)")
    if not args.no_write:
        report.RESULTS.write_text(text)


if __name__ == "__main__":
    main()
