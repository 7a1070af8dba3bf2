"""One current owner, enforced by the database; cases name the rights they act on.

- ``registry_check_unit(code)`` sums the current shares of each exclusive right type
  (ownership, use_right) on a unit exactly (as fractions) and raises ``23514`` unless
  each sum is 0 (nothing registered) or 1. It first takes the transaction advisory lock
  the entry path takes (``unit:<code>``), so two transactions cannot both check before
  either commits.
  It also checks that the unit's current parcel shows the status the register gives it.
- ``rrr_one_owner``: a constraint trigger, ``DEFERRABLE INITIALLY DEFERRED``, running
  that check for every unit whose rights a transaction inserted, changed or deleted, at
  commit: no code path, raw SQL included, can commit two sole owners, or register a
  right without the map saying so.
- ``register_status(code)``: the registration status of a unit as the register says
  it (cancelled, registered, unregistered): the one fact the parcel's public
  ``reg_status`` must agree with (``landgis cadastre check`` reports disagreements
  that arose some other way, e.g. a parcel imported as registered with no right).
- ``reg_case.basis`` / ``basis_at``: the rights (uid, version, type) a case acts on,
  recorded at acceptance; entry refuses the case when they changed since. Open
  accepted or reviewed cases get the unit's current rights as their basis.

Revision ID: 0016_one_owner
Revises: 0015_registry_desk
Create Date: 2026-12-02
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision = "0016_one_owner"
down_revision = "0015_registry_desk"
branch_labels = None
depends_on = None

CHECK_UNIT = """
CREATE FUNCTION registry_check_unit(code text) RETURNS void LANGUAGE plpgsql AS $$
DECLARE
  t text;
  r record;
  n numeric;
  d numeric;
  g numeric;
  shown text;
  truth text;
BEGIN
  IF code IS NULL THEN
    RETURN;
  END IF;
  PERFORM pg_advisory_xact_lock(hashtextextended('unit:' || code, 0));
  FOREACH t IN ARRAY ARRAY['ownership', 'use_right'] LOOP
    n := 0;
    d := 1;
    FOR r IN SELECT coalesce(share_num, 1) AS a, coalesce(share_den, 1) AS b FROM rrr
             WHERE unit_code = code AND kind = 'right' AND rrr_type = t
               AND end_lifespan IS NULL LOOP
      n := n * r.b + r.a * d;
      d := d * r.b;
      g := gcd(n, d);
      n := div(n, g);
      d := div(d, g);
    END LOOP;
    IF n <> 0 AND n <> d THEN
      RAISE EXCEPTION USING
        ERRCODE = 'check_violation',
        CONSTRAINT = 'rrr_one_owner',
        MESSAGE = format(
          '不动产单元%s现行%s份额之和为%s/%s，应为1 / the current %s shares of unit %s add '
          'up to %s/%s, not to 1', code, t, n, d, t, code, n, d);
    END IF;
  END LOOP;
  SELECT reg_status INTO shown FROM parcel WHERE unit_code = code AND end_lifespan IS NULL;
  truth := register_status(code);
  IF shown IS NOT NULL AND shown <> truth AND NOT (truth = 'registered' AND shown = 'seized') THEN
    RAISE EXCEPTION USING
      ERRCODE = 'check_violation',
      CONSTRAINT = 'rrr_one_owner',
      MESSAGE = format(
        '宗地%s公示的登记状态为%s，登记簿为%s / parcel %s shows status %s but the register '
        'says %s', code, shown, truth, code, shown, truth);
  END IF;
END $$
"""

TRIGGER_FN = """
CREATE FUNCTION rrr_one_owner() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP <> 'DELETE' THEN
    PERFORM registry_check_unit(NEW.unit_code);
  END IF;
  IF TG_OP <> 'INSERT' AND (TG_OP = 'DELETE' OR OLD.unit_code IS DISTINCT FROM NEW.unit_code)
  THEN
    PERFORM registry_check_unit(OLD.unit_code);
  END IF;
  RETURN NULL;
END $$
"""

TRIGGER = """
CREATE CONSTRAINT TRIGGER rrr_one_owner AFTER INSERT OR UPDATE OR DELETE ON rrr
DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION rrr_one_owner()
"""

REGISTER_STATUS = """
CREATE FUNCTION register_status(code text) RETURNS text LANGUAGE sql STABLE AS $$
  SELECT CASE
    WHEN EXISTS (SELECT 1 FROM baunit b WHERE b.unit_code = code
                 AND b.end_lifespan IS NULL AND b.status = 'cancelled') THEN 'cancelled'
    WHEN EXISTS (SELECT 1 FROM rrr r WHERE r.unit_code = code AND r.kind = 'right'
                 AND r.end_lifespan IS NULL) THEN 'registered'
    ELSE 'unregistered' END
$$
"""

BACKFILL = """
UPDATE reg_case c SET basis_at = now(), basis = coalesce((
  SELECT jsonb_agg(jsonb_build_object('uid', r.uid, 'version', r.version, 'type', r.rrr_type)
                   ORDER BY r.uid)
  FROM rrr r WHERE r.unit_code = c.unit_code AND r.end_lifespan IS NULL
    AND r.rrr_type = ANY(CASE c.case_type WHEN 'mortgage_discharge' THEN ARRAY['mortgage']
                                          WHEN 'seizure_release' THEN ARRAY['seizure']
                                          ELSE ARRAY['ownership', 'use_right'] END)
), '[]'::jsonb)
WHERE c.status IN ('accepted', 'reviewed') AND c.unit_code IS NOT NULL
  AND c.case_type IN ('first_registration', 'transfer', 'cancellation', 'mortgage',
                      'mortgage_discharge', 'seizure_release')
"""


def upgrade() -> None:
    op.add_column("reg_case", sa.Column("basis", JSONB, nullable=True))
    op.add_column("reg_case", sa.Column("basis_at", sa.DateTime(timezone=True), nullable=True))
    op.execute(REGISTER_STATUS)
    op.execute(CHECK_UNIT)
    op.execute(TRIGGER_FN)
    op.execute(TRIGGER)
    op.execute(BACKFILL)


def downgrade() -> None:
    op.execute("DROP FUNCTION register_status(text)")
    op.execute("DROP TRIGGER rrr_one_owner ON rrr")
    op.execute("DROP FUNCTION rrr_one_owner()")
    op.execute("DROP FUNCTION registry_check_unit(text)")
    op.drop_column("reg_case", "basis_at")
    op.drop_column("reg_case", "basis")
