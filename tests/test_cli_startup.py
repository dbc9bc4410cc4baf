"""Start-up cost of the CLI: help, version and usage errors load no heavy library, and each
command loads only the layers it uses."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

HEAVY = ("scrapy", "twisted", "sqlalchemy", "alembic", "spacy", "lingua", "jinja2")


def loaded_after(code: str) -> list[str]:
    """The heavy top-level packages a fresh interpreter has imported after running ``code``."""
    probe = f"""
import json, sys
from typer.testing import CliRunner
{code}
print(json.dumps(sorted({{name.partition(".")[0] for name in sys.modules}} & set({HEAVY!r}))))
"""
    done = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, timeout=120, check=True
    )
    return list(json.loads(done.stdout.strip().splitlines()[-1]))


def invoke(*args: str) -> str:
    return f"""
from jobtrends.cli import app
result = CliRunner().invoke(app, {list(args)!r})
assert result.exit_code in (0, 2), (result.exit_code, result.output)
"""


def test_help_version_and_usage_errors_load_no_heavy_library() -> None:
    assert loaded_after("import jobtrends.cli") == []
    for args in (["--help"], ["--version"], ["crawl", "--help"], ["report", "--help"],
                 ["report", "--no-such-option"], ["enrich-file", "--help"]):  # fmt: skip
        assert loaded_after(invoke(*args)) == [], args


def test_a_command_loads_what_it_uses(tmp_path: Path) -> None:
    # the schema commands need the database layer, not the crawler or the NLP pipeline
    loaded = loaded_after(invoke("--db", "sqlite:///:memory:", "db", "current"))
    assert {"sqlalchemy", "alembic"} <= set(loaded), loaded
    assert not {"scrapy", "twisted", "spacy"} & set(loaded), loaded
    # checking a sources file offline needs none of them
    sources = tmp_path / "sources.toml"
    sources.write_text('[[source]]\nname = "acme"\nkind = "greenhouse"\nboard = "acme"\n')
    assert loaded_after(invoke("sources", "check", "--sources", str(sources))) == []
