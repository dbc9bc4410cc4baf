"""`jobtrends enrich-file`, `enrich-evaluate` and `enrich --stale`: the enrichment stage by hand."""

from __future__ import annotations

import io
import json
import os
import sys
import tempfile
from dataclasses import asdict
from pathlib import Path
from typing import IO, Annotated, Any, cast

import typer
from rich.table import Table

from jobtrends.cli.common import EXIT_FAILURE, EXIT_USAGE, AppState, console, fail
from jobtrends.textfile import NotUTF8Error, decode_utf8

STRING_FIELDS = ("description", "location", "employment_type", "seniority", "language",
                 "company", "country")
# enrichment writes these keys; an input value there is kept as "<key>_raw"
ENRICHED_KEYS = ("language", "skills", "seniority", "employment_type", "locations", "remote",
                 "role_family")
# the hand-labelled set lives with the tests of a source checkout
DEFAULT_EVAL_FILE = Path(__file__).resolve().parents[2] / "tests" / "data" / "enrichment_eval.jsonl"
TARGETS = {"skills precision": 0.9, "skills recall": 0.8, "seniority accuracy": 0.9,
           "city accuracy": 0.9, "employment_type accuracy": 0.9}


class InputLineError(ValueError):
    pass


def parse_line(line: str, lineno: int) -> dict[str, Any]:
    """One input posting; a bad line raises naming its number and what is wrong."""
    try:
        row = json.loads(line)
    except json.JSONDecodeError as exc:
        raise InputLineError(f"line {lineno}: not valid JSON ({exc.msg} at column {exc.colno})")\
            from None
    if not isinstance(row, dict):
        raise InputLineError(f"line {lineno}: expected a JSON object such as "
                             '{"title": "Data Engineer", "description": "..."}')
    if not isinstance(row.get("title"), str) or not row["title"].strip():
        raise InputLineError(f"line {lineno}: 'title' must be a non-empty string")
    for key in STRING_FIELDS:
        value = row.get(key)
        if value is not None and not isinstance(value, str):
            raise InputLineError(f"line {lineno}: {key!r} must be a string or null, "
                                 f"not {type(value).__name__}")
    return cast(dict[str, Any], _writable(row))


def _writable(value: Any) -> Any:
    """``value`` (parsed JSON) with lone surrogates, from a broken escape such as "\\ud83d",
    replaced: the output line carries the input's values, and no UTF-8 writer takes them."""
    from enrichment.text import without_lone_surrogates

    if isinstance(value, str):
        return without_lone_surrogates(value)
    if isinstance(value, list):
        return [_writable(v) for v in value]
    if isinstance(value, dict):
        return {without_lone_surrogates(k): _writable(v) for k, v in value.items()}
    return value


def read_postings(stream: IO[str]) -> list[dict[str, Any]]:
    rows = []
    for lineno, line in enumerate(stream, 1):
        if line.strip():
            rows.append(parse_line(line, lineno))
    return rows


def enrich_rows(rows: list[dict[str, Any]], batch_size: int = 256) -> list[dict[str, Any]]:
    from enrichment import PostingText, get_enricher

    texts = [PostingText(title=r["title"], **{k: r.get(k) for k in STRING_FIELDS
                                               if k != "description"},
                         description=r.get("description") or "") for r in rows]
    results = get_enricher().enrich_many(texts, batch_size=batch_size)
    out = []
    for row, found in zip(rows, results, strict=True):
        enriched = dict(row)
        for key in ENRICHED_KEYS:
            if row.get(key) is not None and f"{key}_raw" not in row:
                enriched[f"{key}_raw"] = row[key]
        enriched.update(
            language=found.language,
            skills=[asdict(s) for s in found.skills],
            seniority=found.seniority,
            employment_type=found.employment_type,
            locations=[asdict(loc) for loc in found.locations],
            remote=found.remote,
            role_family=found.role_family,
        )
        out.append(enriched)
    return out


def _write_lines(rows: list[dict[str, Any]], out: str) -> None:
    lines = "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows)
    if out == "-":
        sys.stdout.write(lines)
        sys.stdout.flush()
        return
    target = Path(out)
    # write beside the target and rename: a failure never leaves a half-written file
    fd, tmp = tempfile.mkstemp(dir=target.parent or Path("."), prefix=f".{target.name}.")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(lines)
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _pct(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.3f}"


def register(app: typer.Typer) -> None:
    """Add the enrichment commands to ``app``."""

    @app.command("enrich-file")
    def enrich_file(
        source: Annotated[str, typer.Argument(metavar="IN", help="JSON Lines input, - = stdin.")],
        out: Annotated[str, typer.Argument(metavar="OUT", help="JSON Lines output, - = stdout.")],
        batch_size: Annotated[int, typer.Option(metavar="N", min=1,
                                                help="Postings per spaCy batch.")] = 256,
    ) -> None:
        """Enrich postings from a JSON Lines file.

        Input lines: title, description (text or HTML), and optionally location, employment_type, seniority, language, company, country.

        Output lines: the input plus language, skills, seniority, employment_type, locations, remote and role_family; an input value they replace is kept as <key>_raw.
        """  # noqa: E501 - typer rewraps help text; source line breaks would show
        where = "stdin" if source == "-" else source
        try:
            # bytes, decoded strictly: stdin's own decoding passes bad bytes on as lone
            # surrogates
            text = decode_utf8(sys.stdin.buffer.read() if source == "-"
                               else Path(source).read_bytes())
            rows = read_postings(io.StringIO(text))
        except OSError as exc:
            raise fail(f"cannot read {source}: {exc.strerror}", EXIT_USAGE) from None
        except (NotUTF8Error, InputLineError) as exc:
            raise fail(f"{where}: {exc}", EXIT_USAGE) from None
        try:
            _write_lines(enrich_rows(rows, batch_size), out)
        except OSError as exc:
            raise fail(f"cannot write {out}: {exc.strerror}", EXIT_USAGE) from None

    @app.command("enrich-evaluate")
    def enrich_evaluate(
        file: Annotated[Path, typer.Option("--file", metavar="PATH",
                                           help="Hand-labelled postings (JSON Lines).")]
        = DEFAULT_EVAL_FILE,
        show_errors: Annotated[bool, typer.Option("--show-errors",
                                                  help="List every disagreement.")] = False,
    ) -> None:
        """Score enrichment against a hand-labelled set: skills P/R, field accuracies."""
        from enrichment import get_enricher
        from enrichment.evaluation import EvaluationFileError, load_cases, score

        try:
            cases = load_cases(file)
        except OSError as exc:
            raise fail(f"cannot read {file}: {exc.strerror}", EXIT_USAGE) from None
        except EvaluationFileError as exc:
            raise fail(str(exc), EXIT_USAGE) from None
        results = get_enricher().enrich_many([c.posting for c in cases])
        splits = {"all": list(range(len(cases)))}
        for i, case in enumerate(cases):
            splits.setdefault(case.split, []).append(i)
        by_split = {name: score([cases[i] for i in idx], [results[i] for i in idx])
                    for name, idx in splits.items()}
        table = Table(title=f"enrichment on {len(cases)} labelled postings ({file})")
        table.add_column("metric")
        for name, idx in splits.items():
            table.add_column(f"{name} (n={len(idx)})", justify="right")
        table.add_column("target", justify="right")
        for metric in ["skills precision", "skills recall",
                       *(f"{f} accuracy" for f in ("language", "seniority", "city",
                                                   "employment_type", "role_family"))]:
            target = TARGETS.get(metric)
            cells = []
            for scores in by_split.values():
                value = (scores.precision if metric == "skills precision" else
                         scores.recall if metric == "skills recall" else
                         scores.accuracy(metric.split(" ")[0]))
                colour = "" if target is None or value is None else (
                    "green" if value >= target else "red")
                cells.append(f"[{colour}]{_pct(value)}[/]" if colour else _pct(value))
            table.add_row(metric, *cells, "" if target is None else f"≥ {target}")
        console.print(table)
        if show_errors:
            for line in by_split["all"].errors:
                console.print(line, highlight=False, markup=False)

    @app.command("enrich")
    def enrich_stored(
        ctx: typer.Context,
        stale: Annotated[bool, typer.Option("--stale", help="Re-enrich postings enriched by "
                                            "another taxonomy/rules version (or never).")] = False,
        everything: Annotated[bool, typer.Option("--all", help="Re-enrich every posting.")]
        = False,
        batch_size: Annotated[int, typer.Option(metavar="N", min=1,
                                                help="Postings per transaction.")] = 500,
    ) -> None:
        """Re-enrich stored postings after the taxonomy or rules changed."""
        from sqlalchemy.orm import Session

        from enrichment import ENRICHMENT_VERSION
        from jobtrends.cli.db import database_errors, require_current_schema
        from jobtrends.reenrich import count_stale, reenrich

        if not stale and not everything:
            raise fail("say which postings: --stale (enriched by another version) or --all",
                       EXIT_USAGE)
        state: AppState = ctx.obj
        with database_errors(state):
            engine = state.engine()
            require_current_schema(engine, state)
            with Session(engine) as session:
                todo = count_stale(session, everything=everything)
            console.print(f"{todo} postings to enrich with version {ENRICHMENT_VERSION}",
                          highlight=False)
            try:
                stats = reenrich(engine, everything=everything, batch_size=batch_size)
            except Exception as exc:  # noqa: BLE001 - report, the finished batches are kept
                raise fail(f"re-enrichment stopped: {exc}; finished batches are saved, "
                           "run again to continue", EXIT_FAILURE) from None
        meanwhile = (f"; {stats.changed_meanwhile} changed by a crawl meanwhile, left as it "
                     "wrote them" if stats.changed_meanwhile else "")
        console.print(f"enriched {stats.postings} postings in {stats.batches} batches; "
                      f"{stats.linked} re-linked to another canonical posting{meanwhile}",
                      highlight=False)
