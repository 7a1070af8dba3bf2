"""Who may connect to the project's own cluster, and as what (used by gis/cluster.py).

- The cluster's superuser only over the Unix socket, only for root and the OS user the
  server runs as (``peer`` with a user map): migrations and setup.
- Every other role, the app's own included (``landgis_app``, not a superuser), with a
  password (``scram-sha-256``), over the socket or loopback TCP. No ``trust`` anywhere.
- After each migration the app's role is made owner of the project's tables, views and
  sequences (not PostGIS's), so bulk loads may suspend their triggers and constraints,
  but it cannot read server files, run programs or change the server's settings.
"""

from __future__ import annotations

from pathlib import Path

MARK = "# landgis: written by gis/cluster.py (access v1)"

HBA = """{mark}
# TYPE  DATABASE  USER         ADDRESS        METHOD
local   all       {superuser}  peer map=landgis
local   all       all                         scram-sha-256
host    all       all          127.0.0.1/32   scram-sha-256
host    all       all          ::1/128        scram-sha-256
"""

IDENT = """{mark}
# MAPNAME  SYSTEM-USERNAME  PG-USERNAME
{lines}
"""

HANDED_OVER_KINDS = {"r": "TABLE", "p": "TABLE", "v": "VIEW", "m": "MATERIALIZED VIEW"}
_TO_HAND_OVER = """
SELECT c.relkind, format('%%I', c.relname)
FROM pg_class c
WHERE c.relnamespace = 'public'::regnamespace
  AND c.relkind IN ('r', 'p', 'v', 'm', 'S')
  AND c.relowner <> (SELECT oid FROM pg_roles WHERE rolname = %(role)s)
  AND NOT EXISTS (  -- PostGIS's own, and sequences that follow their table's owner
      SELECT 1 FROM pg_depend d
      WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid
        AND (d.deptype = 'e' OR (c.relkind = 'S' AND d.deptype IN ('a', 'i'))))
ORDER BY c.relname
"""


REPLICATION = "local   replication {superuser}  peer map=landgis\n"


def hba_text(superuser: str, replication: bool = False) -> str:
    """pg_hba.conf; with ``replication`` the superuser may also stream WAL over the socket
    (for a local hot standby, gis/standby.py)."""
    text = HBA.format(mark=MARK, superuser=superuser)
    return text + REPLICATION.format(superuser=superuser) if replication else text


def ident_text(os_users: list[str], superuser: str) -> str:
    lines = "\n".join(f"landgis    {u:<16} {superuser}" for u in dict.fromkeys(os_users))
    return IDENT.format(mark=MARK, lines=lines)


def write_if_changed(path: Path, text: str) -> str | None:
    """Write ``text`` in place (keeping owner and mode); the old text if it changed."""
    old = path.read_text() if path.exists() else ""
    if old == text:
        return None
    path.write_text(text)
    return old


def app_can_connect(url: str) -> bool:
    """True when the app's role signs in with its password (``url`` without driver)."""
    import psycopg

    try:
        with psycopg.connect(url, connect_timeout=10):
            return True
    except psycopg.OperationalError:
        return False


def ensure_role(admin_url: str, role: str, password: str) -> None:
    """Create (or reset the password of) the app's role: login, nothing else."""
    import psycopg
    from psycopg import sql

    with psycopg.connect(admin_url, autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", (role,)).fetchone()
        verb = sql.SQL("ALTER" if exists else "CREATE")
        conn.execute(
            sql.SQL(
                "{} ROLE {} WITH LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION "
                "NOBYPASSRLS PASSWORD {}"
            ).format(verb, sql.Identifier(role), sql.Literal(password))
        )


def hand_over(admin_db_url: str, role: str) -> int:
    """Make ``role`` owner of the project's relations in schema public of one database, with
    USAGE and CREATE on the schema; returns how many relations changed owner."""
    import psycopg
    from psycopg import sql

    with psycopg.connect(admin_db_url, autocommit=False) as conn:
        conn.execute("SET LOCAL lock_timeout = '30s'")
        conn.execute(
            sql.SQL("GRANT USAGE, CREATE ON SCHEMA public TO {}").format(sql.Identifier(role))
        )
        rows = conn.execute(_TO_HAND_OVER, {"role": role}).fetchall()
        for kind, name in rows:
            conn.execute(
                sql.SQL("ALTER {} {} OWNER TO {}").format(
                    sql.SQL(HANDED_OVER_KINDS.get(kind, "SEQUENCE")),
                    sql.SQL(name),  # quoted by format('%I') above
                    sql.Identifier(role),
                )
            )
        conn.commit()
    return len(rows)
