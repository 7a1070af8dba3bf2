"""State lives in the app, not in modules (house habit 13, issue 17).

The collections, approval sources and roles an app serves are made by the composition
root for that app (``app.state``) or CLI run (its context): two apps side by side do not
see each other's, and nothing is registered by importing a module. The module-level
mutable state left in the packages is listed here with its reason; the list may only
shrink.
"""

from __future__ import annotations

import ast
from collections.abc import Callable
from pathlib import Path

import typer
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from gis.auth.identity import AuthCache
from gis.auth.service import add_user, issue_token
from gis.collections import Collection
from gis.db import Database, cli_database, get_session
from gis.settings import Settings, override_settings
from landgis.app import create_app

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("gis", "cadastre", "trading", "landgis")
MUTATORS = {"append", "add", "update", "pop", "clear", "setdefault", "extend", "insert"}
MUTATORS |= {"remove", "discard", "popitem"}
CONTAINERS = {"dict", "list", "set", "defaultdict", "OrderedDict", "deque"}
CONTAINERS |= {"WeakKeyDictionary", "WeakValueDictionary"}

# file:name -> why it may stay a module global (caches of pure functions of code-defined
# SQL, the settings override of habit 1). Engines, health probes, change-log checkers and
# the replica's URL live in the app (gis.db.Database, app.state) since issue 17's last part.
ALLOWED = {
    "gis/jobs/heartbeat.py:_ids": "the jobs this process keeps alive",
    "gis/jobs/heartbeat.py:_thread": "the heartbeat thread of this process",
    "gis/limits.py:_installed": "the statement-timeout listener is installed once",
    "gis/ogc/cql.py:_COMPILED": "cache of compiled CQL2 (pure function of the text)",
    "gis/ogc/repository.py:_ID_TYPES": "cache of id column types by table",
    "gis/ogc/repository.py:_EXTENTS": "cache of extents by collection (until a logged write)",
    "gis/settings.py:_override": "the settings override tests use (habit 1)",
    "gis/store.py:_stores": "one object-store client per configuration",
    "gis/tiles/statement.py:_sql_cache": "cache of tile SQL (pure function of the layers)",
    "gis/tiles/repository.py:_int_id_cache": "cache of id column types by table",
    "gis/web/nav.py:_ENTRIES": "the navigation bar's entries (templates render without an app)",
}


def _mutable_globals(path: Path) -> list[str]:
    """Names bound at module level to a container that the module mutates, and names a
    function rebinds with ``global``."""
    tree = ast.parse(path.read_text("utf-8"))
    bound: set[str] = set()
    for node in tree.body:
        value = node.value if isinstance(node, (ast.Assign, ast.AnnAssign)) else None
        targets = node.targets if isinstance(node, ast.Assign) else []
        if isinstance(node, ast.AnnAssign):
            targets = [node.target]
        literal = isinstance(value, (ast.Dict, ast.List, ast.Set))
        func = value.func if isinstance(value, ast.Call) else None
        made = (getattr(func, "attr", None) or getattr(func, "id", None)) in CONTAINERS
        if literal or made:
            bound |= {t.id for t in targets if isinstance(t, ast.Name)}
    mutated: set[str] = set()
    rebound: set[str] = set()
    for item in ast.walk(tree):
        if isinstance(item, ast.Global):
            rebound.update(item.names)
        if isinstance(item, ast.Call) and isinstance(item.func, ast.Attribute):
            owner = item.func.value
            if item.func.attr in MUTATORS and isinstance(owner, ast.Name):
                mutated.add(owner.id)
        if isinstance(item, (ast.Assign, ast.Delete)):
            mutated |= {n for t in item.targets if (n := _subscripted(t))}
        if isinstance(item, ast.AugAssign) and (n := _subscripted(item.target)):
            mutated.add(n)
    return sorted((bound & mutated) | rebound)


def _subscripted(target: ast.expr) -> str:
    """``name`` of ``name[...] = ...`` (an item of a module-level name is set), else ''."""
    if isinstance(target, ast.Subscript) and isinstance(target.value, ast.Name):
        return target.value.id
    return ""


def module_state() -> set[str]:
    found = set()
    for package in PACKAGES:
        for path in (ROOT / package).rglob("*.py"):
            if "migrations" not in path.parts:
                rel = path.relative_to(ROOT).as_posix()
                found |= {f"{rel}:{name}" for name in _mutable_globals(path)}
    return found


def test_module_state_only_shrinks() -> None:
    found = module_state()
    new = sorted(found - set(ALLOWED))
    assert not new, f"module-level mutable state: put it in the app (app.state) instead: {new}"
    gone = sorted(set(ALLOWED) - found)
    assert not gone, f"gone from the code, remove from ALLOWED too: {gone}"


def test_the_finder_sees_a_registry(tmp_path: Path) -> None:
    """The check finds what it is for: a module dict filled by a register function (the
    old ``gis.collections._REGISTRY``), and not a constant table nobody changes."""
    sample = tmp_path / "sample.py"
    sample.write_text(
        "_R: dict[str, int] = {}\nTABLE = {'a': 1}\n\n\ndef register(k: str) -> None:\n"
        "    _R[k] = TABLE['a']\n"
    )
    assert _mutable_globals(sample) == ["_R"]


def test_no_registration_by_import() -> None:
    """No module keeps a registry of collections or approval sources to register into."""
    import gis.collections
    import gis.raster.approvals

    for module in (gis.collections, gis.raster.approvals):
        assert not hasattr(module, "register"), module.__name__
        assert not any(isinstance(v, dict) and k.isupper() for k, v in vars(module).items())


SECRET = Collection(
    id="app-state-only-here",
    title="one app's collection",
    description="added to one app's catalog only",
    table="plan_zone",
    properties={"code": "string"},
)


def test_two_apps_keep_their_own_catalogs(
    db: Session, auth: Callable[[str], dict[str, str]]
) -> None:
    """A collection added to one app's catalog is served by that app only, and the roles
    each app knows come from its own book (trading's bidder included, gis names none)."""
    one, other = create_app(), create_app()
    for app in (one, other):
        app.dependency_overrides[get_session] = lambda: db
    one.state.catalog = one.state.catalog.extended([SECRET])
    url = f"/ogc/collections/{SECRET.id}"
    assert TestClient(one).get(url).status_code == 200
    assert TestClient(other).get(url).status_code == 404
    assert SECRET.id not in {c.id for c in other.state.catalog.all()}
    assert "bidder" in one.state.roles.all() and "cashier" in one.state.roles.all()
    r = TestClient(one).get("/api/v1/auth/me", headers=auth("bidder"))
    me = r.json()
    assert r.status_code == 200, r.text
    assert (me["role"], me["role_zh"]) == ("bidder", "竞买人")


def test_two_apps_keep_their_own_engines(
    db: Session, auth: Callable[[str], dict[str, str]]
) -> None:
    """Each app makes its own engines (``app.state.database``): a request served by one
    app opens a pool in that app only, and one app's shutdown disposes of its own pools
    and leaves the other's open."""
    one, other = create_app(), create_app()
    for app in (one, other):  # no background work (it would write around the test's session)
        app.dependency_overrides[get_session] = lambda: db
    mine: Database = one.state.database
    theirs: Database = other.state.database
    assert mine is not theirs and mine.made == theirs.made == 0  # nothing made at import
    with TestClient(one) as client:
        # the job store reads on the app's own engine, outside the request's session
        r = client.get(f"/api/v1/raster-jobs/{'0' * 32}", headers=auth("admin"))
        assert r.status_code == 404, r.text
        assert mine.made >= 1 and theirs.made == 0
        with theirs.engine.connect() as conn:  # the other app's pool, opened meanwhile
            assert conn.exec_driver_sql("SELECT 1").scalar_one() == 1
    assert mine.made == 0  # disposed when its lifespan ended
    assert theirs.made == 1 and theirs.engine.pool.checkedin() == 1  # untouched
    theirs.dispose()


def test_two_apps_keep_their_own_auth_caches(
    db: Session, settings: Settings, auth: Callable[[str], dict[str, str]]
) -> None:
    """Each app has its own decoded tokens and user states (``app.state.auth_cache``): a
    user deactivated through one app is refused there at once, and that app's ``forget``
    leaves the other app's cached state alone (it learns within the TTL, as another process
    would). With one module-level cache the other app would refuse at once too."""
    one, other = create_app(), create_app()
    for app in (one, other):
        app.dependency_overrides[get_session] = lambda: db
    mine: AuthCache = one.state.auth_cache
    theirs: AuthCache = other.state.auth_cache
    assert mine is not theirs and not mine.states and not theirs.states
    user = add_user(db, "app-state-auth", "correct horse battery", "planner")
    headers = {"Authorization": f"Bearer {issue_token(user)}"}
    override_settings(settings.model_copy(update={"identity_cache_seconds": 300}))
    try:
        for app in (one, other):
            assert TestClient(app).get("/api/v1/auth/me", headers=headers).status_code == 200
        assert user.id in mine.states and user.id in theirs.states
        off = TestClient(one).post(f"/api/v1/users/{user.id}/deactivate", headers=auth("admin"))
        assert off.status_code == 200, off.text
        assert user.id not in mine.states  # forgotten by the app that changed it
        assert TestClient(one).get("/api/v1/auth/me", headers=headers).status_code == 401
        assert theirs.states[user.id][1] is not None and theirs.states[user.id][1].active
        assert TestClient(other).get("/api/v1/auth/me", headers=headers).status_code == 200
        theirs.forget(user.id)  # the other app's TTL over: it reads the user again
        assert TestClient(other).get("/api/v1/auth/me", headers=headers).status_code == 401
    finally:
        override_settings(settings)
    admin_token = auth("admin")["Authorization"].removeprefix("Bearer ")
    assert admin_token in mine.tokens.entries and admin_token not in theirs.tokens.entries


def test_each_cli_run_has_its_own_database_disposed_when_it_ends(engine: object) -> None:
    """A command's engines live in its click context (``cli_database``): one for the whole
    run, none shared with the next run, and closed when the command ends."""
    seen: list[Database] = []
    app = typer.Typer()

    @app.command()
    def probe(ctx: typer.Context) -> None:
        database = cli_database(ctx)
        with database.engine.connect() as conn:
            assert conn.exec_driver_sql("SELECT 1").scalar_one() == 1
        assert cli_database(ctx) is database and database.made == 1
        seen.append(database)

    for _ in range(2):
        result = CliRunner().invoke(app, [])
        assert result.exit_code == 0, result.output
    first, second = seen
    assert first is not second
    assert first.made == second.made == 0  # disposed when each run ended
