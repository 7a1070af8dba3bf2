"""Roles: the platform's own, and the book of every role an app knows with its names.

gis names only the platform's roles (surveyor, registrar, planner, inspector, admin); a
domain names its own in its package (``trading.roles``: bidder, cashier), and the
composition root lists them all in one :class:`RoleBook` (``app.state.roles``, read with
:func:`get_roles`). A role is a string, so a principal may hold a domain's role that gis
has never heard of; names sent by a user are checked against the book.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, ClassVar

from fastapi import Request
from pydantic import GetCoreSchemaHandler
from pydantic_core import core_schema

from gis.errors import InvalidInput

_NAME = re.compile(r"^[a-z][a-z_]{1,31}$")


class Role(str):
    """What a signed-in user is (a lowercase name); anonymous callers are the public."""

    SURVEYOR: ClassVar[Role]
    REGISTRAR: ClassVar[Role]
    PLANNER: ClassVar[Role]
    INSPECTOR: ClassVar[Role]
    ADMIN: ClassVar[Role]

    def __new__(cls, name: str) -> Role:
        if not isinstance(name, str) or not _NAME.match(name):
            raise ValueError(f"not a role name: {name!r}")
        return super().__new__(cls, name)

    @property
    def value(self) -> str:
        """The stored name (as an enum member's value: ``role.value``)."""
        return str.__str__(self)

    def __repr__(self) -> str:
        return f"Role({self.value!r})"

    @classmethod
    def __get_pydantic_core_schema__(
        cls, source: Any, handler: GetCoreSchemaHandler
    ) -> core_schema.CoreSchema:
        return core_schema.no_info_after_validator_function(
            cls, core_schema.str_schema(pattern=_NAME.pattern)
        )


Role.SURVEYOR = Role("surveyor")
Role.REGISTRAR = Role("registrar")
Role.PLANNER = Role("planner")
Role.INSPECTOR = Role("inspector")
Role.ADMIN = Role("admin")


@dataclass(frozen=True)
class RoleInfo:
    """A role with its Chinese and English names."""

    role: Role
    zh: str
    en: str


PUBLIC = RoleInfo(Role("public"), "公众", "public (anonymous)")
PLATFORM_ROLES = (
    RoleInfo(Role.SURVEYOR, "测绘员", "surveyor"),
    RoleInfo(Role.REGISTRAR, "登记员", "registrar"),
    RoleInfo(Role.PLANNER, "规划员", "planner"),
    RoleInfo(Role.INSPECTOR, "执法监察员", "land-enforcement inspector"),
    RoleInfo(Role.ADMIN, "管理员", "administrator"),
)


class RoleBook:
    """Every role one app (or CLI run) knows: the platform's and the domains' ones."""

    def __init__(self, roles: Iterable[RoleInfo]) -> None:
        self._roles = {r.role: r for r in roles}

    def all(self) -> list[Role]:
        return list(self._roles)

    def names(self, role: str) -> tuple[str, str]:
        """(Chinese, English) name of a role (its own name for one the book lacks)."""
        info = self._roles.get(Role(role)) if _NAME.match(role) else None
        return (info.zh, info.en) if info else (role, role)

    def parse(self, value: str, field: str = "role") -> Role:
        """The role named ``value``; InvalidInput naming ``field`` for one not in the book."""
        if isinstance(value, str) and _NAME.match(value) and Role(value) in self._roles:
            return Role(value)
        allowed = ", ".join(self._roles)
        raise InvalidInput(f"unknown role {value!r}; use one of {allowed}", field=field)


def get_roles(request: Request) -> RoleBook:
    """FastAPI dependency: the role book of the app serving this request."""
    book: RoleBook = request.app.state.roles
    return book
