"""The OS side of the project's own cluster: which OS user runs the server, and letting
that user own and reach its folders. As root the server runs as ``postgres`` (initdb
refuses root); as anyone else it runs as that user and nothing here changes a file."""

from __future__ import annotations

import os
import pwd
import stat
from pathlib import Path

from gis.settings import Settings


def is_root() -> bool:
    return os.geteuid() == 0


def os_user(settings: Settings) -> str:
    """The OS user the server runs as: ``postgres`` as root, else the current user."""
    return settings.pg_os_user if is_root() else pwd.getpwuid(os.getuid()).pw_name


def chown(settings: Settings, *paths: Path) -> None:
    """As root: give ``paths`` to the server's OS user."""
    if not is_root():
        return
    user = pwd.getpwnam(settings.pg_os_user)
    for path in paths:
        os.chown(path, user.pw_uid, user.pw_gid)


def _can_traverse(path: Path, uid: int, groups: set[int]) -> bool:
    """Whether a user (``uid``, ``groups``) may pass through folder ``path`` (its x bit)."""
    st = path.stat()
    if st.st_uid == uid:
        return bool(st.st_mode & stat.S_IXUSR)
    if st.st_gid in groups:
        return bool(st.st_mode & stat.S_IXGRP)
    return bool(st.st_mode & stat.S_IXOTH)


def let_through(settings: Settings, folder: Path) -> list[Path]:
    """As root: let the cluster's OS user pass through (o+x: traverse, not list) only those
    folders above ``folder`` it cannot pass through yet, e.g. a clone in a private
    ``mktemp -d`` folder; says so in one line when it changes any. Returns them."""
    if not is_root():
        return []
    user = pwd.getpwnam(settings.pg_os_user)
    groups = set(os.getgrouplist(user.pw_name, user.pw_gid))
    changed = []
    for parent in reversed(folder.resolve().parents):
        if not _can_traverse(parent, user.pw_uid, groups):
            parent.chmod(stat.S_IMODE(parent.stat().st_mode) | stat.S_IXOTH)
            changed.append(parent)
    if changed:
        names = ", ".join(str(p) for p in changed)
        print(f"landgis: let the database's user {user.pw_name} through (o+x, no read): {names}")
    return changed
