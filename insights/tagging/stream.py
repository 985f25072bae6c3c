"""``pepites tag``: tag a JSON Lines stream of insights, line by line, without reading it all first."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import asdict
from typing import Any, TextIO

from insights.tagging.tagger import Tagger
from insights.types import Tags

BATCH_SIZE = 256


def tags_fields(tags: Tags) -> dict[str, Any]:
    """The fields written beside each input line."""
    return {
        "lang": tags.lang,
        "kind": tags.kind,
        "kind_confidence": tags.kind_confidence,
        "signal": tags.signal,
        "subject": tags.subject,
        "entities": [asdict(e) for e in tags.entities],
        "keywords": list(tags.keywords),
    }


def _parse(line: str) -> tuple[dict[str, Any] | None, str | None]:
    """The object on one line, or why it cannot be tagged."""
    try:
        row = json.loads(line)
    except json.JSONDecodeError as exc:
        return None, f"not valid JSON ({exc.msg})"
    if not isinstance(row, dict):
        return None, "not a JSON object"
    text = row.get("text")
    if not isinstance(text, str):
        return None, 'no "text" string'
    if not text.strip():
        return None, 'empty "text"'
    return row, None


def _batches(inp: TextIO, err: TextIO, size: int) -> Iterator[tuple[list[dict[str, Any]], int]]:
    """Valid rows in batches of ``size``, with the number of bad lines met while reading each batch."""
    batch: list[dict[str, Any]] = []
    bad = 0
    for number, line in enumerate(inp, start=1):
        if not line.strip():
            continue
        row, problem = _parse(line)
        if row is None:
            print(f"line {number}: skipped, {problem}", file=err)
            bad += 1
            continue
        batch.append(row)
        if len(batch) >= size:
            yield batch, bad
            batch, bad = [], 0
    if batch or bad:
        yield batch, bad


def tag_lines(inp: TextIO, out: TextIO, err: TextIO, tagger: Tagger, progress_every: int = 500) -> int:
    """Tag every ``{"id", "text", …}`` line of ``inp`` into ``out``, keeping other fields; 1 if a line was bad."""
    done = bad = 0
    next_progress = progress_every
    for rows, bad_in_batch in _batches(inp, err, BATCH_SIZE):
        bad += bad_in_batch
        for row, tags in zip(rows, tagger.tag_many([r["text"] for r in rows]), strict=True):
            out.write(json.dumps({**row, **tags_fields(tags)}, ensure_ascii=False) + "\n")
        done += len(rows)
        out.flush()
        if progress_every > 0 and done >= next_progress:
            print(f"{done} insights tagged", file=err)
            while next_progress <= done:
                next_progress += progress_every
    if progress_every > 0 and done >= progress_every:
        print(f"done: {done} insights tagged, {bad} lines skipped", file=err)
    return 1 if bad else 0
