"""`parley`: serve, migrate, engine, create-workspace, create-assistant, seed-demo, export,
import."""

import argparse
import asyncio
import logging
import sys
from collections.abc import Sequence

from server.settings import Settings


def _serve(args: argparse.Namespace, settings: Settings) -> int:
    import uvicorn  # noqa: PLC0415 (only this command needs the server)

    from server import graphiql  # noqa: PLC0415
    from server.app import create_app  # noqa: PLC0415
    from server.edge.address import trusted_networks  # noqa: PLC0415
    from server.home import startup_line  # noqa: PLC0415
    from server.logs import logging_config  # noqa: PLC0415
    from server.wsconnection import SERVE_OPTIONS  # noqa: PLC0415

    # Only listed proxies may say who the client is (X-Forwarded-For); uvicorn would trust
    # loopback by default. server/edge/address.py reads the same list.
    try:
        trusted = [str(network) for network in trusted_networks(settings.http.trusted_proxies)]
    except ValueError as error:
        print(f"parley: {error}", file=sys.stderr)
        return 2
    print(startup_line(args.host, args.port, graphiql.served(settings)), flush=True)
    if args.workers > 1:
        if settings.database.dialect != "postgres":
            # Live views cross processes through PostgreSQL's LISTEN/NOTIFY; SQLite has none.
            print("parley: --workers needs PostgreSQL (DATABASE_URL=postgres://…)", file=sys.stderr)
            return 2
        uvicorn.run(
            "server.app:create_app",
            factory=True,  # each worker reads its settings from the same environment
            workers=args.workers,
            host=args.host,
            port=args.port,
            log_config=logging_config(settings.logs.format, settings.logs.level),
            access_log=False,  # ours (server/logs.py) leaves out query strings
            forwarded_allow_ips=trusted,
            **SERVE_OPTIONS,
        )
        return 0
    uvicorn.run(
        create_app(settings),
        host=args.host,
        port=args.port,
        log_config=logging_config(settings.logs.format, settings.logs.level),
        access_log=False,
        forwarded_allow_ips=trusted,
        **SERVE_OPTIONS,  # websockets: server/wsconnection.py
    )
    return 0


def _migrate(_args: argparse.Namespace, settings: Settings) -> int:
    from server.database import apply_migrations  # noqa: PLC0415

    asyncio.run(apply_migrations(settings))
    print("Database is up to date.")
    return 0


def _create_workspace(args: argparse.Namespace, settings: Settings) -> int:
    from resolvers.workspace import create_workspace  # noqa: PLC0415
    from server.database import open_database  # noqa: PLC0415

    async def run() -> str:
        async with open_database(settings):
            workspace, secret = await create_workspace(args.name)
        print(f"Created workspace {workspace.name!r}. Its secret key, shown this once:")
        return secret

    print(asyncio.run(run()))
    return 0


def _create_assistant(args: argparse.Namespace, settings: Settings) -> int:
    from resolvers.errors import ParleyError  # noqa: PLC0415
    from server.commands.provision import create_assistant_in  # noqa: PLC0415
    from server.database import open_database  # noqa: PLC0415

    async def run() -> int:
        async with open_database(settings):
            try:
                workspace, assistant_id = await create_assistant_in(
                    args.workspace, args.name, args.origin, settings.bounds
                )
            except ParleyError as error:
                print(f"parley: {error.message}", file=sys.stderr)
                return 2
        print(f"Created assistant {args.name.strip()!r} in workspace {workspace!r}. Its ID:")
        print(assistant_id)
        return 0

    return asyncio.run(run())


def _seed_demo(args: argparse.Namespace, settings: Settings) -> int:
    from server.commands.seed import seed_demo  # noqa: PLC0415

    return asyncio.run(seed_demo(settings, if_empty=args.if_empty, port=args.port))


def _engine(_args: argparse.Namespace, settings: Settings) -> int:
    if settings.database.dialect != "postgres":
        # The engine apart tells the serving processes each piece through PostgreSQL's NOTIFY.
        print("parley: `parley engine` needs PostgreSQL; with SQLite the engine runs in "
              "`parley serve` (PARLEY_ENGINE=true)", file=sys.stderr)  # fmt: skip
        return 2
    from server.engine.apart import run_engine  # noqa: PLC0415 (only this command needs it)

    return asyncio.run(run_engine(settings))


def _export(args: argparse.Namespace, _settings: Settings) -> int:
    from pathlib import Path  # noqa: PLC0415

    from server.commands.transfer import export, key_from  # noqa: PLC0415

    key = key_from(args.key)
    if not key:
        print("parley: give --key or set PARLEY_KEY (a secret key with READ)", file=sys.stderr)
        return 2
    return export(args.url, key, Path(args.out), args.format, args.filter, args.resume)


def _import(args: argparse.Namespace, _settings: Settings) -> int:
    from pathlib import Path  # noqa: PLC0415

    from server.commands.transfer import import_file, key_from  # noqa: PLC0415

    key = key_from(args.key)
    if not key:
        print("parley: give --key or set PARLEY_KEY (a secret key with WRITE)", file=sys.stderr)
        return 2
    return import_file(args.url, key, Path(args.file), args.assistant)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="parley", description="Parley: the record of conversations with AI assistants."
    )
    from server.version import version  # noqa: PLC0415

    parser.add_argument("--version", action="version", version=f"parley {version()}")
    commands = parser.add_subparsers(dest="command", required=True)
    serve = commands.add_parser("serve", help="serve the GraphQL API")
    serve.add_argument("--host", default="127.0.0.1", help="address to listen on (127.0.0.1)")
    serve.add_argument("--port", type=int, default=8000, help="port to listen on (8000)")
    serve.add_argument(
        "--workers", type=int, default=1, help="server processes (1; more need PostgreSQL)"
    )
    serve.set_defaults(handler=_serve)
    commands.add_parser("migrate", help="apply database migrations").set_defaults(handler=_migrate)
    commands.add_parser(
        "engine", help="answer assistants' conversations with their models (the built-in engine)"
    ).set_defaults(handler=_engine)
    create = commands.add_parser("create-workspace", help="create a workspace and print its key")
    create.add_argument("name", help="the workspace's name")
    create.set_defaults(handler=_create_workspace)
    assistant = commands.add_parser(
        "create-assistant", help="create an assistant in a workspace and print its ID"
    )
    assistant.add_argument(
        "workspace", metavar="WORKSPACE_OR_KEY", help="the workspace's name, or a secret key of it"
    )
    assistant.add_argument("name", help="the assistant's name")
    assistant.add_argument(
        "--origin",
        action="append",
        default=[],
        help="a page origin its widget may run on, like https://shop.example (repeat for more; "
        "none: any)",
    )
    assistant.set_defaults(handler=_create_assistant)
    seed = commands.add_parser("seed-demo", help="create a demo workspace with conversations")
    seed.add_argument(
        "--if-empty", action="store_true", help="do nothing if a demo workspace exists"
    )
    seed.add_argument(
        "--port",
        type=int,
        default=8000,
        help="the port `parley serve` will listen on: the demo widget is allowed there (8000)",
    )
    seed.set_defaults(handler=_seed_demo)
    export = commands.add_parser(
        "export", help="download every conversation a filter matches (JSONL or CSV)"
    )
    export.add_argument("--out", required=True, help="the file to write")
    export.add_argument("--url", default="http://127.0.0.1:8000", help="the server (local)")
    export.add_argument("--key", help="a secret key with READ (default: $PARLEY_KEY)")
    export.add_argument("--format", choices=("jsonl", "csv"), default="jsonl")
    export.add_argument("--filter", help='a ConversationFilter as JSON: \'{"types": ["TEST"]}\'')
    export.add_argument(
        "--resume", action="store_true", help="continue a JSONL file that was cut off"
    )
    export.set_defaults(handler=_export)
    load = commands.add_parser(
        "import", help="import conversations from a JSONL export (or any file of its format)"
    )
    load.add_argument("file", help="the JSONL file")
    load.add_argument("--url", default="http://127.0.0.1:8000", help="the server (local)")
    load.add_argument("--key", help="a secret key with WRITE (default: $PARLEY_KEY)")
    load.add_argument("--assistant", help="the assistant (ID) they all go to (default: their own)")
    load.set_defaults(handler=_import)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    try:
        settings = Settings.from_env()
    except ValueError as error:
        print(f"parley: {error}", file=sys.stderr)
        return 2
    result: int = args.handler(args, settings)
    return result


if __name__ == "__main__":
    sys.exit(main())
