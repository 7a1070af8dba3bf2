"""landgis cadastre check [--zone CODE]: the register's quality and consistency report."""

from __future__ import annotations

import json
from pathlib import Path

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeElapsedColumn
from rich.table import Table

console = Console(stderr=True)


def register(app: typer.Typer) -> None:
    """Add the ``check`` command to the cadastre command group."""
    app.command("check")(check)


def check(
    ctx: typer.Context,
    zone: str | None = typer.Option(None, "--zone", help="9-digit cadastral zone, e.g. 441900001"),
    output: Path | None = typer.Option(None, "--output", "-o", help="Write the JSON report here."),
    workers: int = typer.Option(2, "--workers", min=1, max=16, help="Database connections."),
    since: bool = typer.Option(
        False,
        "--since",
        help="Check again only what changed since the last check (kept per subzone), "
        "then report from the kept state: a read when little changed.",
    ),
) -> None:
    """Check overlaps, gaps inside street blocks, invalid geometries and slivers, and the
    register's consistency (shares per unit, rights on retired units, restrictions without
    a right, public status against the register).

    Exit status 0 when the register is clean, 2 when anything was found.
    """
    from cadastre.parcels import quality
    from cadastre.registry import consistency
    from gis.db import cli_database

    with _bar() as bar:
        task = bar.add_task(f"checking {zone or 'the whole register'}", total=None)

        def step(done: int, total: int) -> None:
            bar.update(task, completed=done, total=total)

        if since:
            from cadastre.parcels import quality_state
            from gis.db import cli_database, transaction

            with cli_database(ctx).session() as session, transaction(session):
                report = quality_state.report(session, zone, step)
        else:
            report = quality.run_parallel(cli_database(ctx).engine, zone, step, workers)
    table = Table(title=f"quality of {zone or 'the register'}: {report.parcels} parcels")
    for col in ("check", "检查", "findings"):
        table.add_column(col)
    for kind, (zh, en) in quality.KINDS.items():
        table.add_row(en, zh, str(len(report.findings[kind])))
    for kind, (zh, en) in consistency.KINDS.items():
        table.add_row(f"register: {en}", f"登记簿：{zh}", str(len(report.register[kind])))
    Console().print(table)
    for kind, items in report.register.items():
        for f in items[:20]:
            console.print(f"{kind}: {', '.join(f['unit_codes'])} {_detail(f)}")
    if output:
        output.write_text(json.dumps(report.as_dict(), ensure_ascii=False, indent=1))
        console.print(f"report written to {output}")
    if report.total:
        raise typer.Exit(2)


def _detail(finding: dict[str, object]) -> str:
    return " ".join(f"{k}={v}" for k, v in finding.items() if k not in ("unit_codes", "location"))


def _bar() -> Progress:
    return Progress(
        "[progress.description]{task.description}",
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
    )
