"""The netsim code a process runs, as a campaign row records it: netsim's version, the
git commit it was run from (``unknown`` outside a checkout) and a digest of its source
files (catches uncommitted edits).

It is taken once per process, when this module is first imported, so that every run
of a process is labelled alike, whatever the checkout does meanwhile (a commit, an
edit). The local executor's forkserver preloads this module with the simulator
(:func:`simulator.campaign.executors.run_local`): its workers inherit the label with
the code they run, a pool started again after a worker died included.
"""

from __future__ import annotations

import hashlib
import subprocess
from importlib import metadata
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1]      # simulator/


def _read() -> dict[str, str]:
    digest = hashlib.sha256()
    for path in sorted(PACKAGE.rglob("*.py")):
        digest.update(str(path.relative_to(PACKAGE)).encode() + b"\0" + path.read_bytes() + b"\0")
    try:
        commit = subprocess.run(["git", "-C", str(PACKAGE), "rev-parse", "HEAD"], capture_output=True,
                                text=True, timeout=10, check=True).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        commit = "unknown"
    try:
        version = metadata.version("netsim-sim")
    except metadata.PackageNotFoundError:
        version = "unknown"
    return {"netsim_version": version, "git_commit": commit or "unknown",
            "code_digest": digest.hexdigest()[:16]}


VERSION = _read()
