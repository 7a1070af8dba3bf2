"""The parcel register partitioned by cadastral zone (地籍区), declaratively.

Partition key: ``subzone_code``, by RANGE, one partition per cadastral zone covering
``[zone, zone + 1)`` (the 9-digit zone code, county + 3 digits, counted on by one), plus a
DEFAULT partition for parcels of zones that have none yet.

Why the zone, and why through ``subzone_code``:

- A county code (6 digits) gives one partition per county: a city bureau's register would
  be one partition, and the province's 20-50 million parcels ~100 partitions of very
  different sizes. The zone (地籍区, a town or street office) is the unit the bureau works
  in (surveys, imports, quality checks and tiles go zone by zone), its partitions hold tens
  of thousands to a few hundred thousand parcels, and the demo district already has
  several, so partitions are visible and tested here.
- The zone is a function of the unit code (its first 9 characters; the subzone is the
  first 12, enforced by ``ck_parcel_subzone_in_unit_code``). PostgreSQL 15 cannot partition on a
  generated column, and a plain ``zone_code`` column would have to be written by every
  insert (imports, edits, the demo). ``subzone_code`` is written by all of them already,
  and a range over it per zone is exactly "the zone": codes of one zone share the 9-digit
  prefix, so they sort in ``[zone, zone + 1)`` in any collation that orders digits.
- Unique indexes must contain the key: ``(unit_code, subzone_code)`` current-unique is
  unit-code current-unique because the subzone is the unit code's prefix (the check);
  ``(uid, version, subzone_code)`` is ``(uid, version)`` unique because a parcel keeps its
  unit code across versions (``cadastre.parcels.service.change``) and new parcels take a
  fresh uid from ``parcel_uid_seq``; the primary key ``(id, subzone_code)`` is ``id``
  unique because ids come from the ``parcel_id_seq`` sequence (PostgreSQL 15 has no
  identity columns on partitioned tables).
- ``parcel_lineage`` keeps real foreign keys: it carries each version's subzone
  (``parent_subzone``, ``child_subzone``, filled by a trigger from ``parcel``, so no writer
  changes) and references ``parcel (id, subzone_code)`` ``MATCH FULL`` (an id without a
  parcel leaves the subzone NULL and is refused).

New zones get their partition automatically: inserting a ``cadastral_zone`` row calls
``parcel_zone_partition(code)``, which creates the zone's partition and moves any rows the
DEFAULT partition holds for it (``landgis cadastre partitions --split`` does the same for
every zone, e.g. after zones were added with triggers disabled).

The tile change log is tracked on the partitioned table: its statement triggers (with
transition tables) fire once per statement whatever partitions the rows go to, and log as
``parcel``. The migration copies every row (ids, uids, versions, lifespans unchanged) and
logs one whole-table change, so cached tiles are redrawn.

Revision ID: 0050_parcel_partitions
Revises: 0036_parcel_land_use_order
Create Date: 2026-12-03
"""

import sqlalchemy as sa
from alembic import op

revision = "0050_parcel_partitions"
down_revision = "0036_parcel_land_use_order"
branch_labels = None
depends_on = ("0042_quality_state", "0012_tiles_locks", "0016_one_owner", "0031_field_packages")

COLUMNS = (
    "id, uid, version, unit_code, parcel_code, subzone_code, block_code, land_use, area_m2, "
    "reg_status, ref_point, geom, begin_lifespan, end_lifespan"
)

INDEXES = """
CREATE INDEX ix_parcel_geom_all ON parcel USING gist (geom);
CREATE UNIQUE INDEX uq_parcel_unit_code_current ON parcel (unit_code, subzone_code)
    WHERE end_lifespan IS NULL;
CREATE UNIQUE INDEX ix_parcel_uid_version ON parcel (uid, version, subzone_code);
CREATE INDEX ix_parcel_subzone ON parcel (subzone_code);
CREATE INDEX ix_parcel_land_use ON parcel (land_use, unit_code);
CREATE INDEX ix_parcel_unit_code ON parcel (unit_code);
"""

PARTITIONED = """
CREATE SEQUENCE parcel_id_seq;
CREATE TABLE parcel (
    id bigint NOT NULL DEFAULT nextval('parcel_id_seq'),
    uid bigint NOT NULL DEFAULT nextval('parcel_uid_seq'),
    version integer NOT NULL DEFAULT 1,
    unit_code varchar(28) NOT NULL,
    parcel_code varchar(19) NOT NULL,
    subzone_code varchar(12) NOT NULL
        CONSTRAINT fk_parcel_subzone_code_cadastral_subzone REFERENCES cadastral_subzone (code),
    block_code varchar(20),
    land_use varchar(4) NOT NULL,
    area_m2 numeric(14, 2) NOT NULL,
    reg_status varchar(16) NOT NULL DEFAULT 'registered',
    ref_point geometry(Point, 4490) NOT NULL,
    geom geometry(MultiPolygon, 4490) NOT NULL,
    begin_lifespan timestamptz NOT NULL DEFAULT now(),
    end_lifespan timestamptz,
    CONSTRAINT pk_parcel PRIMARY KEY (id, subzone_code),
    CONSTRAINT ck_parcel_unit_code_length CHECK (char_length(unit_code) = 28),
    CONSTRAINT ck_parcel_lifespan_order
        CHECK (end_lifespan IS NULL OR end_lifespan >= begin_lifespan),
    CONSTRAINT ck_parcel_subzone_in_unit_code CHECK (subzone_code = left(unit_code, 12))
) PARTITION BY RANGE (subzone_code);
ALTER SEQUENCE parcel_id_seq OWNED BY parcel.id;
CREATE TABLE parcel_default PARTITION OF parcel DEFAULT;
COMMENT ON TABLE parcel IS 'Parcel versions (宗地), partitioned by cadastral zone: '
    'RANGE (subzone_code) [zone, zone + 1) per zone, parcel_default for zones without one.';
"""

FUNCTIONS = """
CREATE FUNCTION lineage_keys() RETURNS text LANGUAGE sql IMMUTABLE AS $$
  SELECT 'ALTER TABLE parcel_lineage '
    'ADD CONSTRAINT fk_parcel_lineage_parent_id_parcel FOREIGN KEY (parent_id, parent_subzone) '
    'REFERENCES parcel (id, subzone_code) MATCH FULL, '
    'ADD CONSTRAINT fk_parcel_lineage_child_id_parcel FOREIGN KEY (child_id, child_subzone) '
    'REFERENCES parcel (id, subzone_code) MATCH FULL'
$$;

CREATE FUNCTION parcel_zone_bound(zone text) RETURNS text LANGUAGE sql IMMUTABLE AS $$
  SELECT lpad((zone::numeric + 1)::text, char_length(zone), '0')
$$;

CREATE FUNCTION parcel_zone_partition(zone text) RETURNS boolean LANGUAGE plpgsql AS $$
DECLARE
  part text := 'parcel_' || zone;
  upper text := parcel_zone_bound(zone);
  moved bigint;
BEGIN
  IF zone !~ '^[0-9]{9}$' THEN
    RAISE EXCEPTION USING ERRCODE = 'invalid_parameter_value',
      MESSAGE = format('地籍区代码应为9位数字 / a zone code has 9 digits: %s', zone);
  END IF;
  IF to_regclass(part) IS NOT NULL THEN
    RETURN false;
  END IF;
  EXECUTE format('CREATE TABLE %I (LIKE parcel INCLUDING DEFAULTS INCLUDING CONSTRAINTS)',
                 part);
  SELECT count(*) INTO moved FROM parcel_default
  WHERE subzone_code >= zone AND subzone_code < upper;
  IF moved > 0 THEN
    -- the DEFAULT partition holds rows of this zone: move them in this transaction. The
    -- lineage keys are taken off meanwhile (PostgreSQL 15 checks a key deleted from one
    -- partition against that partition only) and put back, checked, once the rows are in.
    ALTER TABLE parcel_lineage DROP CONSTRAINT fk_parcel_lineage_parent_id_parcel,
                               DROP CONSTRAINT fk_parcel_lineage_child_id_parcel;
    EXECUTE format('WITH gone AS (DELETE FROM parcel_default WHERE subzone_code >= %L '
                   'AND subzone_code < %L RETURNING *) INSERT INTO %I SELECT * FROM gone',
                   zone, upper, part);
  END IF;
  EXECUTE format('ALTER TABLE parcel ATTACH PARTITION %I FOR VALUES FROM (%L) TO (%L)',
                 part, zone, upper);
  IF moved > 0 THEN
    EXECUTE lineage_keys();
    RAISE NOTICE 'moved % parcel versions of zone % out of parcel_default', moved, zone;
  END IF;
  RETURN true;
END $$;

CREATE FUNCTION cadastral_zone_partition() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM parcel_zone_partition(NEW.code);
  RETURN NULL;
END $$;

CREATE TRIGGER cadastral_zone_partition AFTER INSERT ON cadastral_zone
FOR EACH ROW EXECUTE FUNCTION cadastral_zone_partition();

CREATE FUNCTION parcel_lineage_subzones() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  NEW.parent_subzone := (SELECT subzone_code FROM parcel WHERE id = NEW.parent_id);
  NEW.child_subzone := (SELECT subzone_code FROM parcel WHERE id = NEW.child_id);
  RETURN NEW;
END $$;
"""

LINEAGE = """
ALTER TABLE parcel_lineage ADD COLUMN parent_subzone varchar(12),
                           ADD COLUMN child_subzone varchar(12);
UPDATE parcel_lineage l SET parent_subzone = p.subzone_code FROM parcel p WHERE p.id = l.parent_id;
UPDATE parcel_lineage l SET child_subzone = c.subzone_code FROM parcel c WHERE c.id = l.child_id;
CREATE TRIGGER parcel_lineage_subzones BEFORE INSERT OR UPDATE OF parent_id, child_id
ON parcel_lineage FOR EACH ROW EXECUTE FUNCTION parcel_lineage_subzones();
"""


def upgrade() -> None:
    op.execute("ALTER TABLE parcel_lineage DROP CONSTRAINT fk_parcel_lineage_parent_id_parcel")
    op.execute("ALTER TABLE parcel_lineage DROP CONSTRAINT fk_parcel_lineage_child_id_parcel")
    op.execute("SELECT tile_change_untrack('parcel')")
    op.execute("LOCK TABLE parcel IN ACCESS EXCLUSIVE MODE")
    op.execute("ALTER TABLE parcel RENAME TO parcel_unpartitioned")
    op.execute(
        "CREATE TEMP TABLE parcel_id_last ON COMMIT DROP AS "
        "SELECT greatest((SELECT last_value FROM parcel_id_seq), "
        "(SELECT coalesce(max(id), 0) FROM parcel_unpartitioned)) AS v"
    )
    op.execute("ALTER TABLE parcel_unpartitioned ALTER COLUMN id DROP IDENTITY")
    op.execute("ALTER INDEX pk_parcel RENAME TO pk_parcel_unpartitioned")
    for name in (
        "ix_parcel_geom_all",
        "uq_parcel_unit_code_current",
        "ix_parcel_uid_version",
        "ix_parcel_subzone",
        "ix_parcel_land_use",
        "ix_parcel_unit_code",
    ):
        op.execute(f"DROP INDEX IF EXISTS {name}")
    op.execute(PARTITIONED)
    op.execute("SELECT setval('parcel_id_seq', v) FROM parcel_id_last")
    op.execute(FUNCTIONS)
    op.execute("SELECT parcel_zone_partition(code) FROM cadastral_zone ORDER BY code")
    op.execute(f"INSERT INTO parcel ({COLUMNS}) SELECT {COLUMNS} FROM parcel_unpartitioned")
    op.execute(INDEXES)
    op.execute(LINEAGE)
    op.execute(op.get_bind().execute(sa.text("SELECT lineage_keys()")).scalar_one())
    op.execute("DROP TABLE parcel_unpartitioned")
    op.execute("SELECT tile_change_track('parcel', 'geom')")
    op.execute("INSERT INTO tile_change (table_name) VALUES ('parcel')")
    op.execute("ANALYZE parcel")


def downgrade() -> None:
    raise NotImplementedError("分区登记簿不降级 / the partitioned register is not downgraded")
