"""Every command and sub-command answers ``--help``; the program's help lists its exit codes."""

from __future__ import annotations

from typing import Any

import typer
from typer.testing import CliRunner

from jobtrends.cli import app
from jobtrends.cli.common import EXIT_DATABASE, EXIT_PARTIAL, EXIT_USAGE

runner = CliRunner()


def _command_paths(command: Any, path: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    paths = [path]
    if hasattr(command, "commands"):  # a group (Typer's own click, not necessarily click's)
        for name, sub in sorted(command.commands.items()):
            paths += _command_paths(sub, (*path, name))
    return paths


def test_every_command_answers_help_with_its_usage() -> None:
    paths = _command_paths(typer.main.get_command(app))
    assert len(paths) > 12  # the groups' sub-commands are walked too
    for path in paths:
        result = runner.invoke(app, [*path, "--help"])
        assert result.exit_code == 0, (path, result.output)
        assert f"Usage: jobtrends {' '.join(path)}".rstrip() in " ".join(result.output.split())


def test_flags_are_not_labelled_as_if_they_took_a_value() -> None:
    """Typer 0.2x labels flags ``<bool>`` (``--online <bool>``): a user reads that the flag
    takes a value. No help shows it; options keep their labels."""
    for path in _command_paths(typer.main.get_command(app)):
        result = runner.invoke(app, [*path, "--help"], env={"COLUMNS": "200"})
        assert "<bool>" not in result.output, (path, result.output)
    crawl_help = runner.invoke(app, ["crawl", "--help"], env={"COLUMNS": "200"}).output
    assert "--observed-at" in crawl_help and "TIME" in crawl_help


def test_the_program_help_lists_the_exit_codes_scripts_rely_on() -> None:
    result = runner.invoke(app, ["--help"])
    text = " ".join(result.output.split())
    assert result.exit_code == 0
    assert f"{EXIT_USAGE} bad arguments or input" in text
    assert f"{EXIT_DATABASE} the database is unreachable" in text
    assert f"{EXIT_PARTIAL} done, but some source did not crawl completely" in text


def _is_choice(param: Any) -> bool:
    """A parameter with a fixed set of values (Typer's own label lists them)."""
    descriptor = getattr(param, "type_descriptor", None)  # Typer 0.29 and later
    if descriptor is not None:
        return bool(descriptor.is_choice)
    return any(cls.__name__ == "Choice" for cls in type(getattr(param, "type", None)).__mro__)


def test_every_option_that_takes_a_value_names_what_it_takes() -> None:
    """``--db URL``, ``--k N``, ``--observed-at TIME``: not the type label Typer prints by
    default (``<str>``, ``<list[str]>``, ``<int range>``). Flags and choices keep Typer's own."""
    root = typer.main.get_command(app)
    unnamed = []
    for path in _command_paths(root):
        command = root
        for name in path:
            command = command.commands[name]  # type: ignore[attr-defined]
        for param in command.params:
            takes_a_value = not getattr(param, "is_flag", False)
            if takes_a_value and not _is_choice(param) and not param.metavar:
                unnamed.append((" ".join(path), param.name))
    assert unnamed == []
    crawl = " ".join(runner.invoke(app, ["crawl", "--help"]).output.split())
    assert "--observed-at TIME" in crawl and "<str>" not in crawl
