"""`parley export` and `parley import`: a server's `/export` into a file, and such a file into
`importConversations`, with a progress bar.

Both are clients of the HTTP API, so they move exactly what the API answers and accepts, with the
key's own rights, from any machine that can reach the server. A JSONL export that was cut off (no
`end` line) is resumed with `--resume`: the last whole record's cursor is read back, anything
after it is dropped, and the export continues from there; the file then ends with one `end` line
counting every record it holds. An import sends batches of whole conversations, each batch all or
nothing and each conversation once (by its exported ID), so an interrupted import is simply run
again.
"""

import csv
import io
import json
import os
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path
from typing import IO, Any

TIMEOUT_SECONDS = 120.0


class Progress:
    """A one-line bar on a terminal (stderr); a line every few seconds otherwise."""

    def __init__(self, total: int, stream: IO[str] = sys.stderr) -> None:
        self.total = max(total, 0)
        self.done = 0
        self.stream = stream
        self.tty = stream.isatty()
        self._shown = 0.0

    def advance(self, count: int = 1) -> None:
        self.done += count
        now = time.monotonic()
        if now - self._shown >= (0.1 if self.tty else 5.0):
            self._shown = now
            self.show()

    def show(self, end: str = "") -> None:
        share = self.done / self.total if self.total else 1.0
        width = 30
        bar = "#" * int(share * width)
        text = f"[{bar:<{width}}] {self.done:,}/{self.total:,} ({share:.0%})"
        self.stream.write(("\r" + text + end) if self.tty else (text + "\n"))
        self.stream.flush()

    def finish(self) -> None:
        self.show(end="\n" if self.tty else "")


def resume_point(path: Path) -> tuple[str | None, int]:
    """The cursor of the last whole record of a JSONL export and how many records precede it;
    the file is cut right after that record (a half-written line is dropped)."""
    cursor, count, keep = None, 0, 0
    with path.open("rb") as file:
        offset = 0
        for line in file:
            offset += len(line)
            if not line.endswith(b"\n"):
                break  # cut mid-line
            item = json.loads(line)
            if "end" in item:
                raise SystemExit(f"parley: {path} is complete already ({count} records).")
            if "export" not in item and "error" not in item:
                cursor, count, keep = item["cursor"], count + 1, offset
            elif "export" in item:
                keep = offset
    with path.open("r+b") as file:
        file.truncate(keep)
    return cursor, count


def export(
    url: str,
    key: str,
    out: Path,
    fmt: str = "jsonl",
    where: str | None = None,
    resume: bool = False,
) -> int:
    after, earlier = (None, 0)
    if resume:
        if fmt != "jsonl":
            print("parley: --resume reads JSONL exports only", file=sys.stderr)
            return 2
        if out.exists():
            after, earlier = resume_point(out)
    query: dict[str, str] = {"format": fmt}
    if where:
        query["filter"] = where
    if after:
        query["after"] = after
    request = urllib.request.Request(  # noqa: S310 (an http(s) URL the user gives)
        f"{url.rstrip('/')}/export?{urllib.parse.urlencode(query)}",
        headers={"authorization": f"Bearer {key}"},
    )
    try:
        response = urllib.request.urlopen(request, timeout=TIMEOUT_SECONDS)  # noqa: S310
    except urllib.error.HTTPError as error:
        body = error.read().decode(errors="replace")
        print(f"parley: the server refused the export ({error.code}): {body}", file=sys.stderr)
        return 1
    except urllib.error.URLError as error:
        print(f"parley: cannot reach {url}: {error.reason}", file=sys.stderr)
        return 1
    total = int(response.headers.get("x-parley-total", "0"))
    progress = Progress(total)
    progress.done = earlier
    with response, out.open("ab" if resume else "wb") as file:
        if fmt == "csv":
            return _copy_csv(response, file, progress)
        return _copy_jsonl(response, file, progress, resumed=after is not None, earlier=earlier)


def _copy_jsonl(
    response: IO[bytes], file: IO[bytes], progress: Progress, resumed: bool, earlier: int
) -> int:
    count, cursor, complete = earlier, None, False
    for line in response:
        item: dict[str, Any] = json.loads(line)
        if "export" in item:
            if not resumed:
                file.write(line)
            continue
        if "end" in item:
            complete = True
            break
        if "error" in item:
            print(f"\nparley: the export stopped: {item['error']}", file=sys.stderr)
            break
        file.write(line)
        count, cursor = count + 1, item["cursor"]
        progress.advance()
    if complete:
        file.write(json.dumps({"end": {"count": count, "cursor": cursor}}).encode() + b"\n")
    progress.finish()
    if not complete:
        print("parley: the export was cut off: run again with --resume", file=sys.stderr)
        return 1
    print(f"Exported {count:,} conversations.", file=sys.stderr)
    return 0


def _copy_csv(response: IO[bytes], file: IO[bytes], progress: Progress) -> int:
    text = io.TextIOWrapper(response, encoding="utf-8", newline="")
    sink = io.TextIOWrapper(file, encoding="utf-8", newline="")
    writer = csv.writer(sink, lineterminator="\r\n")
    rows = csv.reader(text)
    header = next(rows, None)
    if header is not None:
        writer.writerow(header)
    for row in rows:
        writer.writerow(row)
        progress.advance()
    sink.flush()
    sink.detach()
    progress.finish()
    if progress.done != progress.total:
        print(f"parley: got {progress.done} of {progress.total} rows", file=sys.stderr)
        return 1
    print(f"Exported {progress.done:,} conversations.", file=sys.stderr)
    return 0


def key_from(value: str | None) -> str | None:
    """`--key`, or else the `PARLEY_KEY` environment variable (kept out of shell history)."""
    return value or os.environ.get("PARLEY_KEY")


IMPORT_BATCH = 50
IMPORT_BYTES = 200_000
"""A batch stays under the server's request body limit (256 KB by default)."""
IMPORT = """mutation Import($conversations: [ImportConversationInput!]!) {
  importConversations(conversations: $conversations) { conversations { id } skippedExternalIds }
}"""


def import_input(record: dict[str, Any], assistant: str | None) -> dict[str, Any]:
    """An exported record as `ImportConversationInput`: its ID becomes the external ID, a known
    cost is given as it was, an unknown one is priced again at the reply's time."""

    def message(item: dict[str, Any]) -> dict[str, Any]:
        usage = item.get("usage")
        given = None
        if usage is not None:
            given = {
                "provider": item["provider"],
                "model": item["model"],
                "inputTokens": usage["inputTokens"],
                "outputTokens": usage["outputTokens"],
                "cachedInputTokens": usage["cachedInputTokens"],
                "cost": usage["cost"] if usage["costKnown"] else None,
            }
        return {
            "role": item["role"],
            "content": item["content"],
            "createdAt": item["createdAt"],
            "usage": given,
        }

    return {
        "externalId": record["id"],
        "assistantId": assistant or record["assistant"]["id"],
        "type": record["type"],
        "mode": record["mode"],
        "startedAt": record["startedAt"],
        "endedAt": record["endedAt"],
        "visitor": record["visitor"],
        "messages": [message(item) for item in record["messages"]],
        "variables": record["variables"],
    }


def _records(path: Path) -> list[dict[str, Any]]:
    with path.open("rb") as file:
        items = [json.loads(line) for line in file if line.strip()]
    return [item for item in items if not item.keys() & {"export", "end", "error"}]


def _batches(inputs: list[dict[str, Any]]) -> list[list[dict[str, Any]]]:
    batches: list[list[dict[str, Any]]] = []
    size = 0
    for item in inputs:
        weight = len(json.dumps(item))
        if not batches or len(batches[-1]) >= IMPORT_BATCH or size + weight > IMPORT_BYTES:
            batches.append([])
            size = 0
        batches[-1].append(item)
        size += weight
    return batches


ASSISTANTS = "{ assistants { id name } }"
SHOWN_ASSISTANTS = 10


def _post(url: str, key: str, query: str, variables: dict[str, Any] | None = None) -> Any:
    """The decoded answer of `/graphql` (errors included); URLError when the server is out of
    reach."""
    body = json.dumps({"query": query, "variables": variables or {}}).encode()
    request = urllib.request.Request(  # noqa: S310 (an http(s) URL the user gives)
        f"{url.rstrip('/')}/graphql",
        data=body,
        headers={"authorization": f"Bearer {key}", "content-type": "application/json"},
    )
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT_SECONDS) as response:  # noqa: S310
            return json.loads(response.read())
    except urllib.error.HTTPError as error:
        return json.loads(error.read() or b"{}")


def assistant_problem(
    records: list[dict[str, Any]], assistant: str | None, known: list[dict[str, str]]
) -> str | None:
    """Why the conversations have no assistant to go to in this workspace, and what to do."""
    if not known:
        return (
            "this workspace has no assistants, and every conversation belongs to one: create one "
            "with `parley create-assistant WORKSPACE_OR_KEY NAME` (it prints its ID), then import "
            "again with --assistant ID"
        )
    ids = {each["id"] for each in known}
    wanted = {assistant} if assistant else {(r.get("assistant") or {}).get("id") for r in records}
    if wanted <= ids:
        return None
    choices = ", ".join(f"{each['id']} ({each['name']})" for each in known[:SHOWN_ASSISTANTS])
    what = f"assistant {assistant} is" if assistant else "the file's assistants are"
    return f"{what} not in this workspace: give --assistant with one of {choices}"


def import_file(url: str, key: str, path: Path, assistant: str | None = None) -> int:
    records = _records(path)
    try:
        listed = _post(url, key, ASSISTANTS)
    except urllib.error.URLError as error:
        print(f"parley: cannot reach {url}: {error.reason}", file=sys.stderr)
        return 1
    if not listed.get("errors"):  # a key without READ cannot list them: the server will judge
        problem = assistant_problem(records, assistant, listed["data"]["assistants"])
        if problem is not None:
            print(f"parley: {problem}", file=sys.stderr)
            return 2
    progress = Progress(len(records))
    imported = skipped = 0
    for batch in _batches([import_input(record, assistant) for record in records]):
        try:
            answer = _post(url, key, IMPORT, {"conversations": batch})
        except urllib.error.URLError as error:
            print(f"\nparley: cannot reach {url}: {error.reason}", file=sys.stderr)
            return 1
        if answer.get("errors"):
            first = answer["errors"][0]
            code = (first.get("extensions") or {}).get("code")
            print(
                f"\nparley: a batch was refused ({code}): {first.get('message')}", file=sys.stderr
            )
            print("parley: nothing of it was written; run again to go on", file=sys.stderr)
            return 1
        result = answer["data"]["importConversations"]
        imported += len(result["conversations"])
        skipped += len(result["skippedExternalIds"])
        progress.advance(len(batch))
    progress.finish()
    print(f"Imported {imported:,} conversations ({skipped:,} were there already).", file=sys.stderr)
    return 0
