"""Test plumbing: the mock server fixture and helpers that run crawls in a subprocess.

Twisted's reactor cannot be restarted, so every crawl runs in its own process — exactly how
operators run ``jobtrends crawl``. Import the fixture into a test module to use it.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from .server import MockServer

ROOT = Path(__file__).resolve().parents[2]
CRAWL_SCRIPT = Path(__file__).parent / "crawl.py"
JOBTRENDS = Path(sys.executable).parent / "jobtrends"


@pytest.fixture(scope="module")
def mockserver() -> Iterator[MockServer]:
    """A mock HTTP server on an ephemeral port for this test module."""
    with MockServer() as server:
        yield server


def run_crawl(sources: Path, out: Path, *settings: str, store: bool = False,
              timeout: float = 120) -> dict[str, Any]:
    """Crawl every source of ``sources`` (no storage unless ``store``); items and stats."""
    cmd = [sys.executable, str(CRAWL_SCRIPT), str(sources), str(out)]
    for setting in settings:
        cmd += ["-s", setting]
    if store:
        cmd.append("--store")
    proc = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=timeout,
                          env=_env())
    if proc.returncode != 0:
        raise AssertionError(f"crawl failed ({proc.returncode}):\n{proc.stderr[-4000:]}")
    data: dict[str, Any] = json.loads(out.read_text(encoding="utf-8"))
    return data


def run_cli(*args: str, cwd: Path, env: dict[str, str] | None = None,
            timeout: float = 180) -> subprocess.CompletedProcess[str]:
    """``jobtrends ARGS`` in a subprocess."""
    return subprocess.run([str(JOBTRENDS), *args], cwd=cwd, capture_output=True, text=True,
                          timeout=timeout, env=_env(env))


def _env(extra: dict[str, str] | None = None) -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    env.pop("JOBTRENDS_REDIS_URL", None)
    env.update(extra or {})
    return env


# Settings that make crawls fast against the mock server (no politeness needed locally).
FAST = ("DOWNLOAD_DELAY=0", "AUTOTHROTTLE_ENABLED=false", "RETRY_BACKOFF_BASE=0.05")
# the same, as `jobtrends crawl` options
FAST_ARGS = tuple(arg for setting in FAST for arg in ("--set", setting))


def table_rows(output: str, first: str) -> list[list[str]]:
    """The cells of the rows of a table printed in ``output`` (unwrapped: a wide ``COLUMNS``)
    whose first cell starts with ``first``."""
    return [[cell.strip() for cell in line.strip("│ ").split("│")]
            for line in output.splitlines() if line.startswith(f"│ {first}")]
