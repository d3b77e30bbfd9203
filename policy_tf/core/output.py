"""Render query results as JSON, YAML, a plain text table or CSV."""
from __future__ import annotations

import sys

TYPE_CHECKING = False  # importing typing costs start-up time; checkers read the block below
if TYPE_CHECKING:
    from typing import Any, TextIO

FORMATS = ("json", "yaml", "table", "csv")


def to_json(data: Any) -> str:
    from policy_tf.core.jsontext import dumps

    return dumps(data) + "\n"


def to_yaml(data: Any) -> str:
    import yaml

    return yaml.safe_dump(data, sort_keys=False, default_flow_style=False, allow_unicode=True, width=1000)


def _cell(value: Any) -> str:
    if isinstance(value, bool):
        return "yes" if value else ""
    if isinstance(value, list):
        return ", ".join(_cell(v) for v in value)
    if isinstance(value, dict):
        return "; ".join(f"{k}={_cell(v)}" for k, v in value.items())
    return str(value)


def to_table(data: Any) -> str:
    """Lists of dicts become aligned columns; a list of strings one per line; a dict key: value."""
    if isinstance(data, dict):
        width = max((len(k) for k in data), default=0)
        return "".join(f"{k.ljust(width)}  {_cell(v)}\n" for k, v in data.items())
    if not data:
        return ""
    if not isinstance(data[0], dict):
        return "".join(f"{item}\n" for item in data)
    columns = list(data[0])
    rows = [[_cell(row.get(c, "")) for c in columns] for row in data]
    widths = [max(len(c), *(len(r[i]) for r in rows)) for i, c in enumerate(columns)]
    lines = ["  ".join(c.upper().ljust(w) for c, w in zip(columns, widths)).rstrip()]
    lines += ["  ".join(v.ljust(w) for v, w in zip(r, widths)).rstrip() for r in rows]
    return "\n".join(lines) + "\n"


def to_csv(data: Any) -> str:
    """Lists of dicts become a header row and one row each; a list of strings one ``name`` column;
    a dict ``key,value`` rows. Cells as in ``to_table`` (lists joined with ", ")."""
    import csv
    import io

    if isinstance(data, dict):
        header, rows = ["key", "value"], [[k, _cell(v)] for k, v in data.items()]
    elif data and isinstance(data[0], dict):
        header = list(data[0])
        rows = [[_cell(row.get(c, "")) for c in header] for row in data]
    else:
        header, rows = ["name"], [[_cell(item)] for item in data]
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    return buffer.getvalue()


def render(data: Any, fmt: str) -> str:
    return {"json": to_json, "yaml": to_yaml, "table": to_table, "csv": to_csv}[fmt](data)


def emit(data: Any, fmt: str, stream: TextIO | None = None) -> None:
    (stream or sys.stdout).write(render(data, fmt))


def write_pieces(stream: TextIO, pieces) -> None:
    """Write strings one after the other. A long piece that comes again (the actions list
    many findings of a report share) is encoded to UTF-8 once, when ``stream`` is a UTF-8
    text stream over a binary buffer: with the stream's own error handler, which is what its
    writes would encode with (standard output's is surrogateescape under a C or C.UTF-8
    locale); ``pieces`` must stay alive while this runs."""
    buffer = getattr(stream, "buffer", None)
    encoding = (getattr(stream, "encoding", None) or "").lower().replace("-", "").replace("_", "")
    errors = getattr(stream, "errors", None) or "strict"
    if buffer is None or encoding != "utf8" or not isinstance(errors, str):
        stream.writelines(pieces)
        return
    stream.flush()  # what the text layer holds goes first
    encoded: dict = {}  # id(piece) -> its bytes
    for piece in pieces:
        if len(piece) < 4096:
            buffer.write(piece.encode("utf-8", errors))
            continue
        data = encoded.get(id(piece))
        if data is None:
            data = encoded[id(piece)] = piece.encode("utf-8", errors)
        buffer.write(data)
