"""Cadastral registry: parties, sources, BAUnits, RRRs, cases, journal, certificates.

Revision ID: 0002_cadastre
Revises: 0001_foundation
Create Date: 2026-11-26
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision = "0002_cadastre"
down_revision = "0001_foundation"
branch_labels = None
depends_on = None

TZ = sa.DateTime(timezone=True)


def lifespan() -> list[sa.Column]:
    return [
        sa.Column("begin_lifespan", TZ, nullable=False, server_default=sa.func.now()),
        sa.Column("end_lifespan", TZ),
    ]


def versioned(name: str) -> list[sa.Column]:
    return [
        sa.Column("id", sa.BigInteger, primary_key=True),
        sa.Column(
            "uid",
            sa.BigInteger,
            nullable=False,
            server_default=sa.text(f"nextval('{name}_uid_seq')"),
        ),
        sa.Column("version", sa.Integer, nullable=False, server_default="1"),
    ]


def upgrade() -> None:
    for name in ("party", "baunit", "rrr"):
        op.execute(f"CREATE SEQUENCE {name}_uid_seq")
    op.create_table(
        "party",
        *versioned("party"),
        sa.Column("kind", sa.String(8), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("id_number", sa.String(32), nullable=False),
        *lifespan(),
        sa.CheckConstraint("kind IN ('natural','legal','group')", name="kind_known"),
    )
    op.create_index("ix_party_uid_version", "party", ["uid", "version"], unique=True)
    op.create_index("ix_party_id_number", "party", ["id_number"])
    op.create_table(
        "party_member",
        sa.Column("group_uid", sa.BigInteger, primary_key=True),
        sa.Column("member_uid", sa.BigInteger, primary_key=True),
        sa.Column("share_num", sa.Integer, nullable=False),
        sa.Column("share_den", sa.Integer, nullable=False),
    )
    op.create_table(
        "source",
        sa.Column("id", sa.BigInteger, primary_key=True),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("title", sa.String(300), nullable=False),
        sa.Column("sha256", sa.String(64)),
        sa.Column("path", sa.Text),
        sa.Column("size_bytes", sa.BigInteger),
        sa.Column("created_at", TZ, nullable=False, server_default=sa.func.now()),
        sa.CheckConstraint(
            "kind IN ('contract','survey_plan','deed','court_order','application','other')",
            name="kind_known",
        ),
    )
    op.create_table(
        "baunit",
        *versioned("baunit"),
        sa.Column("unit_code", sa.String(28), nullable=False),
        sa.Column("parcel_uid", sa.BigInteger),
        sa.Column("status", sa.String(16), nullable=False, server_default="active"),
        *lifespan(),
        sa.CheckConstraint("status IN ('active','cancelled')", name="status_known"),
    )
    op.create_index(
        "uq_baunit_unit_code_current",
        "baunit",
        ["unit_code"],
        unique=True,
        postgresql_where=sa.text("end_lifespan IS NULL"),
    )
    op.create_index("ix_baunit_unit_code", "baunit", ["unit_code"])
    op.create_table(
        "reg_case",
        sa.Column("id", sa.BigInteger, primary_key=True),
        sa.Column("public_number", sa.String(24), nullable=False, unique=True),
        sa.Column("case_type", sa.String(24), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("channel", sa.String(8), nullable=False, server_default="window"),
        sa.Column("unit_code", sa.String(28)),
        sa.Column("payload", JSONB, nullable=False),
        sa.Column("note", sa.Text, nullable=False, server_default=""),
        sa.Column("reason", sa.Text),
        sa.Column("submitted_by", sa.String(64), nullable=False),
        sa.Column("submitted_at", TZ, nullable=False),
        sa.Column("updated_at", TZ, nullable=False),
        sa.Column("due_date", TZ, nullable=False),
        sa.Column("entered_at", TZ),
    )
    op.create_index("ix_reg_case_unit_code", "reg_case", ["unit_code"])
    op.execute("CREATE SEQUENCE reg_case_number_seq")
    op.create_table(
        "case_step",
        sa.Column("id", sa.BigInteger, primary_key=True),
        sa.Column("case_id", sa.BigInteger, sa.ForeignKey("reg_case.id"), nullable=False),
        sa.Column("step", sa.String(20), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("actor", sa.String(64), nullable=False),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("at", TZ, nullable=False),
        sa.Column("reason", sa.Text),
    )
    op.create_index("ix_case_step_case_id", "case_step", ["case_id"])
    op.create_table(
        "case_document",
        sa.Column("case_id", sa.BigInteger, sa.ForeignKey("reg_case.id"), primary_key=True),
        sa.Column("source_id", sa.BigInteger, sa.ForeignKey("source.id"), primary_key=True),
    )
    op.create_table(
        "rrr",
        *versioned("rrr"),
        sa.Column("unit_code", sa.String(28), nullable=False),
        sa.Column("kind", sa.String(12), nullable=False),
        sa.Column("rrr_type", sa.String(24), nullable=False),
        sa.Column("party_uid", sa.BigInteger),
        sa.Column("share_num", sa.Integer),
        sa.Column("share_den", sa.Integer),
        sa.Column("amount", sa.Numeric(16, 2)),
        sa.Column("creditor", sa.String(200)),
        sa.Column("term_end", TZ),
        sa.Column("expires_at", TZ),
        sa.Column("case_id", sa.BigInteger, sa.ForeignKey("reg_case.id")),
        sa.Column("source_id", sa.BigInteger, sa.ForeignKey("source.id")),
        *lifespan(),
        sa.CheckConstraint("kind IN ('right','restriction')", name="kind_known"),
        sa.CheckConstraint(
            "(share_num IS NULL) = (share_den IS NULL) AND "
            "(share_den IS NULL OR (share_num > 0 AND share_den > 0 AND share_num <= share_den))",
            name="share_fraction",
        ),
    )
    op.create_index("ix_rrr_unit_code", "rrr", ["unit_code", "end_lifespan"])
    op.create_index("ix_rrr_party_uid", "rrr", ["party_uid"])
    op.create_table(
        "journal",
        sa.Column("seq", sa.BigInteger, primary_key=True, autoincrement=False),
        sa.Column("at", sa.String(40), nullable=False),
        sa.Column("event", sa.String(40), nullable=False),
        sa.Column("public_number", sa.String(24)),
        sa.Column("unit_code", sa.String(28)),
        sa.Column("payload", JSONB, nullable=False),
        sa.Column("prev_hash", sa.String(64), nullable=False),
        sa.Column("hash", sa.String(64), nullable=False),
    )
    op.create_table(
        "certificate",
        sa.Column("id", sa.BigInteger, primary_key=True),
        sa.Column("number", sa.String(32), nullable=False, unique=True),
        sa.Column(
            "case_id", sa.BigInteger, sa.ForeignKey("reg_case.id"), nullable=False, unique=True
        ),
        sa.Column("body", JSONB, nullable=False),
        sa.Column("signature", sa.String(128), nullable=False),
        sa.Column("issued_at", TZ, nullable=False),
    )


def downgrade() -> None:
    for table in (
        "certificate",
        "journal",
        "rrr",
        "case_document",
        "case_step",
        "reg_case",
        "baunit",
        "source",
        "party_member",
        "party",
    ):
        op.drop_table(table)
    for seq in ("reg_case_number_seq", "rrr_uid_seq", "baunit_uid_seq", "party_uid_seq"):
        op.execute(f"DROP SEQUENCE IF EXISTS {seq}")
