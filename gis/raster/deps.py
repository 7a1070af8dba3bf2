"""The request dependencies the raster routes share: session, engine and the roles."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from gis.auth.deps import current_principal, optional_principal, require_role
from gis.auth.roles import Role
from gis.auth.service import Principal
from gis.db import app_engine, get_session

SessionDep = Annotated[Session, Depends(get_session)]
EngineDep = Annotated[Engine, Depends(app_engine)]  # the job store's (the app's database)
Importer = Annotated[Principal, Depends(require_role(Role.SURVEYOR, Role.INSPECTOR))]
Inspector = Annotated[Principal, Depends(require_role(Role.INSPECTOR))]
ChangeRunner = Annotated[Principal, Depends(require_role(Role.INSPECTOR, Role.SURVEYOR))]
Admin = Annotated[Principal, Depends(require_role(Role.ADMIN))]
Viewer = Annotated[Principal, Depends(current_principal)]
Reader = Annotated[Principal | None, Depends(optional_principal)]
