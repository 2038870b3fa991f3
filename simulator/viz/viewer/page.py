"""One self-contained HTML page: the template, its CSS and JS inlined, the data as JSON.

The page loads nothing (its Content-Security-Policy forbids any fetch), so it works
offline from a file: URL and can be mailed or put on a course site as it is.
"""

from importlib.resources import files

import orjson


def _static(name: str) -> str:
    return files(__package__).joinpath("static", name).read_text(encoding="utf-8")


def _embedded_json(data: dict) -> str:
    """JSON safe inside <script>: no "</script>" or "<!--" can end or open anything."""
    return orjson.dumps(data).decode().replace("<", "\\u003c").replace("\u2028", "\\u2028")


def render(data: dict) -> str:
    """The page for ``data`` (from :func:`simulator.viz.viewer.gather.gather`)."""
    title = "".join(c for c in str(data.get("scenario", "")) if c.isalnum() or c in " -_.")
    parts = {"__TITLE__": title, "__CSS__": _static("viewer.css"), "__JS__": _static("viewer.js"),
             "__DATA__": _embedded_json(data)}
    out = _static("viewer.html")
    for key in ("__TITLE__", "__CSS__", "__JS__"):   # the data last: it is never searched
        out = out.replace(key, parts[key])
    head, tail = out.split("__DATA__")
    return head + parts["__DATA__"] + tail
