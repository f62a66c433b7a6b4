"""`parley export`: a server's `/export` into a file, with a progress bar, resumable.

It is a client of the HTTP endpoint (server/export.py), so it exports exactly what the API
answers, with the key's own rights, from any machine that can reach the server. A JSONL file
that was cut off (no `end` line) is resumed with `--resume`: the last whole record's cursor is
read back, anything after it is dropped, and the export continues from there; the file then
ends with one `end` line counting every record it holds.
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
