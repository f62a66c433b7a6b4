"""The orchestrator's handle on a load-generator process (bench/live/client.py): one command line
in, one JSON line out."""

import json
import subprocess
import tempfile
from pathlib import Path
from typing import Any

from bench.live.processes import PYTHON, ROOT, cpu_seconds

WIDGET_QUERY = (
    "subscription($id: ID!) { messageAdded(conversationId: $id) "
    "{ cursor node { id sequence role content createdAt } } }"
)
DASHBOARD_QUERY = "subscription { conversationCount(filter: {types: [TEST]}) }"


def plan(
    widgets: list[tuple[str, str]], dashboards: int, secret_key: str, sockets_of_widgets: int = 0
) -> list[dict[str, Any]]:
    """One socket per widget (its session token, its conversation), or `sockets_of_widgets` of
    them taking the widgets in turn (a visitor with several tabs open), and `dashboards` sockets
    of the secret key counting TEST conversations; interleaved, as they would arrive."""
    sockets: list[dict[str, Any]] = []
    widget_sockets = sockets_of_widgets or len(widgets)
    for index in range(max(widget_sockets, dashboards)):
        if index < widget_sockets:
            conversation, token = widgets[index % len(widgets)]
            sockets.append(
                {
                    "kind": "widget",
                    "token": token,
                    "query": WIDGET_QUERY,
                    "variables": {"id": conversation},
                }
            )
        if index < dashboards:
            sockets.append({"kind": "dashboard", "token": secret_key, "query": DASHBOARD_QUERY})
    return sockets


class Client:
    def __init__(self, url: str, sockets: list[dict[str, Any]], logs: Path) -> None:
        self._plan = Path(tempfile.mkstemp(suffix=".json", prefix="live-plan-")[1])
        self._plan.write_text(json.dumps(sockets))
        self._stderr = (logs / "client.err").open("ab")
        self.process = subprocess.Popen(  # noqa: S603 (our own command)
            [PYTHON, "-m", "bench.live.client", "--url", url, "--plan", str(self._plan)],
            cwd=ROOT,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=self._stderr,
            text=True,
        )
        self.ready = self._answer()

    def _answer(self) -> dict[str, Any]:
        assert self.process.stdout is not None
        line = self.process.stdout.readline()
        if not line:
            raise RuntimeError("the load generator exited; see its client.err")
        answer: dict[str, Any] = json.loads(line)
        return answer

    def ask(self, command: str) -> dict[str, Any]:
        assert self.process.stdin is not None
        self.process.stdin.write(command + "\n")
        self.process.stdin.flush()
        return self._answer()

    def cpu(self) -> float:
        return cpu_seconds(self.process.pid)

    def close(self) -> None:
        if self.process.poll() is None:
            self.ask("close")
            self.process.wait(30)
        self._stderr.close()
        self._plan.unlink(missing_ok=True)
