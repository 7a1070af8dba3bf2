"""Every domain's tables, imported so that one metadata holds them all (for alembic)."""

from cadastre import models as cadastre_models  # noqa: F401
from cadastre.field import models as field_models  # noqa: F401
from cadastre.parcels import models as parcel_models  # noqa: F401
from cadastre.registry import models as registry_models  # noqa: F401
from gis.auth import models as auth_models  # noqa: F401
from gis.basemap import models as basemap_models  # noqa: F401
from gis.db import Base
from gis.jobs import models as job_models  # noqa: F401
from gis.planning import models as planning_models  # noqa: F401
from gis.raster import models as raster_models  # noqa: F401
from gis.survey import models as survey_models  # noqa: F401
from trading import models as trading_models  # noqa: F401
from trading.monitoring import models as monitoring_models  # noqa: F401

metadata = Base.metadata
