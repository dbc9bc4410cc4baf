"""Validation of component configuration: errors show what was wrong and a working example."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from enrichment.version import DATA_DIR


class EnrichmentConfigError(ValueError):
    """A component's configuration or data file is invalid."""


def config_error(component: str, problem: str, example: dict[str, Any]) -> EnrichmentConfigError:
    sample = ", ".join(f"{k!r}: {v!r}" for k, v in example.items())
    return EnrichmentConfigError(
        f"{component}: {problem}. A working example: "
        f"nlp.add_pipe({component!r}, config={{{sample}}})"
    )


def resolve_data_path(component: str, value: object, default_name: str,
                      example: dict[str, Any]) -> Path:
    """The data file a component reads: ``value`` if given, else the shipped default."""
    if value is None or value == "":
        return DATA_DIR / default_name
    if not isinstance(value, str | Path):
        raise config_error(component, f"the data path must be a string, not {value!r}", example)
    path = Path(value)
    if not path.is_file():
        raise config_error(component, f"data file {str(path)!r} does not exist", example)
    return path


def read_jsonl(path: Path) -> Iterator[tuple[int, dict[str, Any]]]:
    """(line number, object) for each non-blank line; a bad line raises naming file and line."""
    with path.open(encoding="utf-8") as fh:
        for lineno, line in enumerate(fh, 1):
            if not line.strip():
                continue
            try:
                obj = json.loads(line)
            except json.JSONDecodeError as exc:
                raise EnrichmentConfigError(f"{path}:{lineno}: not valid JSON ({exc.msg})") from exc
            if not isinstance(obj, dict):
                raise EnrichmentConfigError(f"{path}:{lineno}: expected a JSON object")
            yield lineno, obj


def read_json(path: Path) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise EnrichmentConfigError(
            f"{path}: not valid JSON ({exc.msg}, line {exc.lineno})"
        ) from exc
