"""Every ``landgis`` command, called with a wrong option and (where it has one) without a
required argument, answers with click's usage line and exit status 2: never a traceback,
and nothing is started (the wrong call fails while its arguments are parsed)."""

from __future__ import annotations

import importlib
from typing import Any

import pytest
import typer

from landgis import cli
from landgis.commands import DOMAINS


def _commands() -> list[tuple[list[str], Any]]:
    """(path, click command) of every leaf command, domains included. (Typer >= 0.20 has
    its own copy of click, so groups are told by their ``commands``, not their class.)"""
    root: Any = typer.main.get_command(cli.app)
    found: list[tuple[list[str], Any]] = []

    def walk(path: list[str], command: Any) -> None:
        if hasattr(command, "commands"):
            for name, sub in command.commands.items():
                walk([*path, name], sub)
        else:
            found.append((path, command))

    for name, command in root.commands.items():
        if name not in DOMAINS:
            walk([name], command)
    for name, (module, _) in DOMAINS.items():
        mounted = typer.Typer()  # as the CLI mounts it (a one-command domain stays a group)
        mounted.add_typer(importlib.import_module(module).app, name=name)
        walk([], typer.main.get_command(mounted))
    return found


COMMANDS = _commands()


def _required(command: Any) -> bool:
    return any(p.required for p in command.params)


def test_every_domain_is_walked() -> None:
    heads = {path[0] for path, _ in COMMANDS}
    assert set(DOMAINS) | {"db", "demo", "user", "serve", "setup"} <= heads
    assert len(COMMANDS) > 25


@pytest.mark.parametrize("path", [p for p, _ in COMMANDS], ids=" ".join)
def test_wrong_option_is_a_usage_line(path: list[str], capsys: pytest.CaptureFixture) -> None:
    status = cli.run([*path, "--no-such-option"])
    err = capsys.readouterr().err
    assert status == 2, err
    assert "Usage: landgis " + " ".join(path) in err
    assert "No such option" in err and "Traceback" not in err


@pytest.mark.parametrize("path", [p for p, c in COMMANDS if _required(c)], ids=" ".join)
def test_missing_argument_is_a_usage_line(path: list[str], capsys: pytest.CaptureFixture) -> None:
    status = cli.run(path)
    err = capsys.readouterr().err
    assert status == 2, err
    assert "Missing" in err and "Traceback" not in err
    assert len(err.strip().splitlines()) <= 4  # usage, hint, blank, the error
