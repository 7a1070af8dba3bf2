"""Cadastre commands: landgis cadastre check|verify|verify-certificate|import|export ..."""

from __future__ import annotations

from pathlib import Path

import typer

from cadastre.analyses_cli import register as register_analyses
from cadastre.exchange.cli import register as register_exchange
from cadastre.parcels.cli import register as register_parcels
from cadastre.parcels.partitions import register as register_partitions

app = typer.Typer(help="The cadastral register.", no_args_is_help=True)
register_exchange(app)
register_parcels(app)
register_analyses(app)  # scale-db, issue #15
register_partitions(app)  # zone partitions, issue #15


@app.command("verify")
def verify_journal(ctx: typer.Context) -> None:
    """Recompute the registry journal's hash chain; exit 1 naming every altered entry."""
    from cadastre.registry.journal import verify
    from gis.db import cli_database

    with cli_database(ctx).session() as session:
        result = verify(session)
    if result.ok:
        typer.echo(f"journal OK: {result.entries} entries, head {result.head}")
        return
    for problem in result.problems:
        typer.echo(problem["reason"], err=True)
    typer.echo(f"journal BROKEN: {len(result.problems)} problem(s) in {result.entries} entries")
    raise typer.Exit(1)


@app.command("verify-certificate")
def verify_certificate(
    ctx: typer.Context,
    file: Path = typer.Argument(
        ..., exists=True, dir_okay=False, help="saved certificate: HTML page or PDF"
    ),
    public_key: Path | None = typer.Option(
        None, "--public-key", exists=True, dir_okay=False, help="PEM public key (default: ours)"
    ),
    offline: bool = typer.Option(
        False, "--offline", help="check the signature only, not the status in the register"
    ),
) -> None:
    """Check a saved certificate: Ed25519 signature, unedited page or printed facts, then
    (unless --offline) its status in the register, journaled. Exit code 0 when valid and
    current, 2 when not (forged, edited, superseded, cancelled, unknown to the register)."""
    from sqlalchemy.exc import OperationalError

    from cadastre.registry.certificate_status import file_status
    from cadastre.registry.certificates import verify_file
    from gis.db import cli_database, transaction

    pem = public_key.read_bytes() if public_key else None
    check = verify_file(file.read_bytes(), pem)
    line = f"{check.number or '?'} unit {check.unit_code or '?'}: {check.reason}"
    if not check.ok or offline:
        typer.echo(line)
        raise typer.Exit(0 if check.ok else 2)
    try:
        with cli_database(ctx).session() as session, transaction(session):
            status = file_status(session, check, "cli")
    except OperationalError as exc:
        typer.echo(
            f"{line}; status unknown: the register is not reachable ({exc.orig}); "
            "--offline checks the signature only"
        )
        raise typer.Exit(2) from None
    assert status is not None
    typer.echo(f"{line}; {status.sentence()[1]} / {status.sentence()[0]}")
    if not status.current:
        raise typer.Exit(2)


@app.command("certificate")
def save_certificate(
    ctx: typer.Context,
    public_number: str,
    out: Path = typer.Option(..., "--out", dir_okay=False, help="where to write the HTML page"),
    pdf: Path | None = typer.Option(None, "--pdf", dir_okay=False, help="also print it to PDF"),
) -> None:
    """Write the signed certificate page of a case to a file (print it, verify it offline)."""
    from cadastre.registry.certificates import page_for_case, pdf_for_case
    from gis.db import cli_database

    with cli_database(ctx).session() as session:
        html = page_for_case(session, public_number)
        printed = pdf_for_case(session, public_number) if pdf is not None else None
    out.write_text(html, encoding="utf-8")
    typer.echo(f"certificate of {public_number} written to {out}")
    if pdf is not None and printed is not None:
        pdf.write_bytes(printed)
        typer.echo(f"printed to {pdf} (verifies offline too: payload attached and as QR code)")


@app.command("public-key")
def public_key() -> None:
    """Print the PEM public key that verifies this registry's certificates."""
    from cadastre.registry.signing import public_key_pem

    typer.echo(public_key_pem(), nl=False)


@app.command("case-status")
def case_status(ctx: typer.Context, public_number: str) -> None:
    """Status and dates of a registration case (what the public may see)."""
    from cadastre.registry.service import case_status as status
    from gis.db import cli_database

    with cli_database(ctx).session() as session:
        s = status(session, public_number)
    typer.echo(f"{s['public_number']}: {s['status_name_zh']} {s['status_name_en']}")
    for step in s["steps"]:
        typer.echo(f"  {step['at']}  {step['status']}")
