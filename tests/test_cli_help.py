"""The command line explains itself: every option of every verb has a help line and names its
value in words (``--store URL``), never a Python type; ``--version`` answers."""

from __future__ import annotations

import re

import pytest
import typer
from typer.testing import CliRunner

from hospitaltwin import __version__
from hospitaltwin.cli import app
from hospitaltwin.report.load import FILES

runner = CliRunner()
TYPE_NAMES = re.compile(r"<\w+(\[\w+\])?( range)?>|\blist\[|\b(TEXT|INTEGER|FLOAT|PATH|BOOLEAN|FILENAME)\b")


def verbs(command=None, path=()):
    """``(path, click command)`` for every verb, sub-commands included."""
    command = command or typer.main.get_command(app)
    subs = getattr(command, "commands", None)
    if not subs:
        yield path, command
        return
    for name, sub in subs.items():
        yield from verbs(sub, (*path, name))


VERBS = list(verbs())


def test_every_verb_is_walked():
    names = {" ".join(p) for p, _ in VERBS}
    assert {"run", "validate", "report", "forecast", "optimize surge", "optimize roster", "init", "export"} <= names


@pytest.mark.parametrize("path, command", VERBS, ids=[" ".join(p) for p, _ in VERBS])
def test_every_option_has_help_and_a_metavar_that_is_not_a_type(path, command):
    assert (command.help or "").strip(), f"{' '.join(path)} has no description"
    for param in command.params:
        name = param.opts[0] if param.opts else param.name
        assert (getattr(param, "help", "") or "").strip(), f"{' '.join(path)} {name}: no help line"
        if getattr(param, "is_flag", False):
            continue
        assert param.metavar, f"{' '.join(path)} {name}: no metavar (add it to cli.common.METAVARS)"
        assert not TYPE_NAMES.search(param.metavar), f"{' '.join(path)} {name}: metavar {param.metavar!r}"
    shown = runner.invoke(app, [*path, "--help"], env={"COLUMNS": "120"})
    assert shown.exit_code == 0, shown.output
    leaked = TYPE_NAMES.search(shown.output)
    assert leaked is None, f"{' '.join(path)} --help shows the type {leaked.group(0)!r}:\n{shown.output}"


def test_report_help_names_every_kind_of_result_it_reads():
    shown = runner.invoke(app, ["report", "--help"], env={"COLUMNS": "200"})
    text = " ".join(shown.output.split())
    for kind in FILES:
        assert kind in text, f"report --help does not name {kind!r} results"


def test_version():
    shown = runner.invoke(app, ["--version"])
    assert shown.exit_code == 0 and shown.output.strip() == f"hospitaltwin {__version__}"


def test_the_overview_points_a_newcomer_at_init():
    shown = runner.invoke(app, ["--help"], env={"COLUMNS": "120"})
    assert "hospitaltwin init DIR" in " ".join(shown.output.split())
