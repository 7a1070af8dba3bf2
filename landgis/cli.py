"""The ``landgis`` command: serve, db, demo, user, and each domain's commands."""

from __future__ import annotations

import functools
import logging
import socket
import sys
from collections.abc import Callable
from typing import Any

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeElapsedColumn

from gis import cluster
from gis.db import CLI_KEY, Database
from gis.errors import LandgisError
from gis.settings import SettingsError, get_settings
from landgis import logs, setup, standby_cli
from landgis.settings import check_environment
from trading.settings import get_trading_settings

app = typer.Typer(help="landgis: land-resources GIS for a city land bureau.", no_args_is_help=True)
db_app = typer.Typer(
    help="The project's PostGIS: start, stop, status, migrate, reset.", no_args_is_help=True
)
demo_app = typer.Typer(help="The demo district.", no_args_is_help=True)
user_app = typer.Typer(help="Users and roles.", no_args_is_help=True)
app.add_typer(db_app, name="db")
app.add_typer(demo_app, name="demo")
app.add_typer(user_app, name="user")
db_app.add_typer(standby_cli.app, name="standby")  # scale-db, issue #15
_BASE_GROUPS = list(app.registered_groups)  # the domains are mounted per run (_mount_domains)
console = Console(stderr=True)
log = logging.getLogger(__name__)


class CliError(Exception):
    """A one-line message for the user; exit status 1."""


@db_app.command("start")
def db_start() -> None:
    """Start the local cluster (created on first use) and create the database."""
    settings = get_settings()
    if not settings.uses_local_cluster:
        console.print("LANDGIS_DATABASE_URL is set: no local cluster to start")
        return
    setup.start_database(settings)
    console.print(f"PostGIS {cluster.status(settings).describe()}")


@db_app.command("stop")
def db_stop() -> None:
    """Stop the local cluster."""
    console.print(f"PostGIS {cluster.stop(get_settings()).describe()}")


@db_app.command("status")
def db_status() -> None:
    """Show whether the local cluster runs and which migrations are applied."""
    settings = get_settings()
    if settings.uses_local_cluster:
        state = cluster.status(settings)
        typer.echo(f"PostGIS {state.describe()}")
        if not state.running:
            raise typer.Exit(3)
    with Database(settings) as database:
        typer.echo("migrations: " + ", ".join(setup.current_revisions(database)))


@db_app.command("migrate")
def db_migrate() -> None:
    """Apply all migrations (never drops data)."""
    settings = get_settings()
    setup.start_database(settings)
    setup.migrate(settings)
    with Database(settings) as database:
        console.print("migrations: " + ", ".join(setup.current_revisions(database)))


@db_app.command("reset")
def db_reset(yes: bool = typer.Option(False, "--yes", help="Do not ask.")) -> None:
    """Drop the local database and migrate a new one (deletes all data)."""
    if not yes and not typer.confirm("This deletes every record in the local database. Go on?"):
        raise typer.Exit(1)
    with Database() as database:
        setup.reset(database)
    console.print("database reset and migrated")


@demo_app.command("load")
def demo_load(
    parcels: int = typer.Option(
        None, "--parcels", "-n", help="Parcels to generate (default 5000)."
    ),
    seed: int = typer.Option(None, "--seed", help="Random seed (same seed, same district)."),
    replace: bool = typer.Option(False, "--replace", help="Reset the database first."),
) -> None:
    """Generate the demo district into an empty register."""
    settings = get_settings()
    with Database(settings) as database:
        if replace:
            setup.reset(database)
        else:
            setup.start_database(settings)
            setup.migrate(settings)
        total = parcels or settings.demo_parcels
        with _progress() as bar:
            task = bar.add_task("demo parcels", total=total)
            n = setup.load_demo_if_empty(
                database, total, seed, lambda done: bar.update(task, completed=done)
            )
        if n == 0:
            console.print("the register is not empty: nothing loaded (use --replace to start over)")
            _retime_demo(database)
        else:
            console.print(f"loaded {n} parcels")


@user_app.command("add")
def user_add(
    name: str,
    role: str = typer.Option(
        ..., "--role", help="surveyor, registrar, planner, inspector, bidder, cashier, admin"
    ),
    password: str = typer.Option(None, "--password", help="Asked for when not given."),
    full_name: str = typer.Option("", "--full-name"),
) -> None:
    """Create a user with a role."""
    from gis.auth.service import add_user

    with Database() as database:
        setup.ensure_ready(database)
        if password is None:
            password = typer.prompt("password", hide_input=True, confirmation_prompt=True)
        from landgis.roles import build_roles  # lazy: gis.auth.roles brings FastAPI

        role = build_roles().parse(role)  # the house's roles: gis's and the domains'
        with database.session() as session:
            user = add_user(session, name, password, role, full_name)
    console.print(f"user {user.username} added with role {user.role}")


def _change_user(name: str, change: str, *args: str) -> str:
    """Apply one ``gis.auth.accounts`` change to user ``name`` in one unit of work; the
    user's tokens are refused by every server process within ``identity_cache_seconds``."""
    from gis.auth import accounts
    from gis.db import transaction

    with Database() as database:
        setup.ensure_ready(database)  # one query when the database is up and current
        with database.session() as session, transaction(session):
            user = getattr(accounts, change)(session, accounts.find(session, name), *args)
            state = "active" if user.active else "inactive"
            return f"user {user.username}: role {user.role}, {state}"


@user_app.command("deactivate")
def user_deactivate(name: str) -> None:
    """Deactivate a user: they cannot sign in and their tokens are refused."""
    console.print(_change_user(name, "deactivate"))


@user_app.command("activate")
def user_activate(name: str) -> None:
    """Let a deactivated user sign in again."""
    console.print(_change_user(name, "activate"))


@user_app.command("role")
def user_role(name: str, role: str) -> None:
    """Give a user another role (their tokens are refused until they sign in again)."""
    from landgis.roles import build_roles

    console.print(_change_user(name, "set_role", build_roles().parse(role)))


@user_app.command("password")
def user_password(
    name: str,
    password: str = typer.Option(None, "--password", help="Asked for when not given."),
) -> None:
    """Set a user's password (every token issued before is refused)."""
    if password is None:
        password = typer.prompt("new password", hide_input=True, confirmation_prompt=True)
    console.print(_change_user(name, "set_password", password) + ", password changed")


@app.command("setup")
def setup_cmd(demo: bool = typer.Option(True, help="Load the demo district if empty.")) -> None:
    """Start the database, migrate, and load the demo district when the register is empty."""
    with Database() as database:
        _prepare(database, demo)


@app.command("serve")
def serve(demo: bool = typer.Option(True, help="Load the demo district if empty.")) -> None:
    """Set everything up and serve the API and maps (default http://127.0.0.1:8000)."""
    import uvicorn
    import uvicorn.config
    from sqlalchemy.engine import make_url

    settings = get_settings()
    _check_port_free(settings.host, settings.port)
    log_config = logs.configure(settings.log_level, uvicorn.config.LOGGING_CONFIG)
    from gis.jobs.store import recover_dead

    with Database(settings) as database:  # the server processes make their own (create_app)
        _prepare(database, demo)
        interrupted = recover_dead(database.engine)  # jobs of dead server processes: failed
        parcels = setup.parcel_count(database)
    if interrupted:
        log.warning("%d unfinished job(s) of stopped servers marked interrupted", interrupted)
    base = settings.public_url or f"http://{settings.host}:{settings.port}"
    url = make_url(settings.sqlalchemy_url())
    where = f"{url.host}:{url.port or 5432}"
    if settings.uses_local_cluster:
        where = f"the local cluster (port {settings.pg_port})"
    log.info(
        "starting on %s: database %s on %s, %d worker(s), %d parcels in the register",
        base,
        url.database,
        where,
        settings.workers,
        parcels,
    )
    console.print(
        f"[bold]landgis[/] serving on {base}\n  map      {base}/\n"
        f"  API docs {base}/docs\n  health   {base}/health\n  OGC API  {base}/ogc"
    )
    uvicorn.run(
        "landgis.app:create_app",
        factory=True,
        host=settings.host,
        port=settings.port,
        workers=settings.workers,
        log_level=settings.log_level,
        log_config=log_config,
    )


def _prepare(database: Database, demo: bool) -> None:
    settings = database.settings
    setup.start_database(settings)
    setup.migrate(settings)
    if demo and setup.register_is_empty(database):
        with _progress() as bar:
            task = bar.add_task("demo parcels", total=settings.demo_parcels)
            n = setup.load_demo_if_empty(
                database, progress=lambda done: bar.update(task, completed=done)
            )
        console.print(f"loaded the demo district: {n} parcels")
    if demo:
        _retime_demo(database)


def _retime_demo(database: Database) -> None:
    days = setup.retime_demo(database)
    if days:
        console.print(
            f"演示交易顺延 {days} 天 the demo market moved forward {days} days: "
            "its listings show the states they were made in"
        )


def _check_port_free(host: str, port: int) -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, port))
        except OSError:
            raise CliError(
                f"port {port} on {host} is already taken: stop the other server "
                "or set LANDGIS_PORT to a free port"
            ) from None


def _progress() -> Progress:
    return Progress(
        "[progress.description]{task.description}",
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
        transient=False,
    )


def _mount_domains(argv: list[str]) -> None:
    """Mount each domain's Typer app under its name; only the invoked one is imported.

    The database is brought up and migrated when a domain command is about to run (after
    its arguments were parsed), so a fresh checkout needs no separate ``landgis setup``,
    a usage error starts nothing, and an up-to-date database costs one cheap check.
    """
    from landgis.commands import DOMAINS, domain_app, placeholder

    app.registered_groups = list(_BASE_GROUPS)
    invoked = argv[0] if argv else None
    for name in DOMAINS:
        if name == invoked:
            sub = domain_app(name)
            _prepare_before_each_command(sub)
        else:
            sub = placeholder(name)
        app.add_typer(sub, name=name)


def _prepare_before_each_command(group: typer.Typer) -> None:
    """Wrap every command of ``group`` (and its sub-groups) so that it first makes the
    database ready and puts the run's database and catalog of collections in its click
    context; done once per group object."""
    if getattr(group, "_landgis_prepared", False):
        return
    group._landgis_prepared = True  # type: ignore[attr-defined]
    for info in group.registered_commands:
        if info.callback is not None:
            info.callback = _with_database(info.callback)
    for sub in group.registered_groups:
        if sub.typer_instance is not None:
            _prepare_before_each_command(sub.typer_instance)


def _with_database(command: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(command)
    def run(*args: Any, **kwargs: Any) -> Any:
        from landgis.collections import build_catalog

        with Database() as database:  # this command's engines, disposed when it ends
            setup.ensure_ready(database)
            for ctx in (v for v in kwargs.values() if isinstance(v, typer.Context)):
                # a command takes its context to get the database (gis.db.cli_database)
                # and the catalog (gis.collections.cli_catalog)
                ctx.obj = build_catalog()
                ctx.meta[CLI_KEY] = database
            return command(*args, **kwargs)

    return run


def run(argv: list[str]) -> int:
    """Run the ``landgis`` command line ``argv`` (without the program name); returns the
    exit status. Every user error is one line (or click's usage line) on stderr, never a
    traceback: known failures exit 1, usage errors 2."""
    try:
        check_environment()  # every LANDGIS_ name is some model's (gis's or a domain's)
        get_settings()
        get_trading_settings()  # a bad value is one line here, not a traceback later
        _mount_domains(argv)
        code = app(args=argv, prog_name="landgis", standalone_mode=False)
        return code if isinstance(code, int) else 0
    except (SettingsError, cluster.ClusterError, CliError, LandgisError) as exc:
        console.print(f"[red]landgis:[/] {exc}", highlight=False, soft_wrap=True)
        return 1
    except typer.Abort:
        return 1
    except typer.Exit as exc:
        return int(exc.exit_code)
    except Exception as exc:
        shown = _usage_error(exc)
        if shown is None:
            raise
        return shown


def _usage_error(exc: Exception) -> int | None:
    """Show a click usage error (a missing or wrong argument) as click does; its exit
    status, or None for any other exception. Typer >= 0.20 ships its own copy of click,
    whose exceptions are not the ``click`` package's: both are handled."""
    import click

    if isinstance(exc, click.ClickException):
        exc.show()
        return int(exc.exit_code)
    show = getattr(exc, "show", None)
    vendored = getattr(typer, "TyperException", ())
    if isinstance(exc, vendored) and callable(show):  # typer's own copy of click
        show()
        return int(getattr(exc, "exit_code", 2))
    return None


def main() -> None:
    """Console entry point: every known failure becomes one line on stderr."""
    sys.exit(run(sys.argv[1:]))
