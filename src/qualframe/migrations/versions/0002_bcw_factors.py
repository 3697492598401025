"""behaviour change wheel factors and audit trail

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-22 02:41:01.973560
"""
from alembic import op
import sqlalchemy as sa


revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('factors',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('label', sa.String(length=300), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('polarity', sa.String(length=16), nullable=False),
    sa.Column('level', sa.String(length=100), nullable=False),
    sa.Column('amenable', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('guid', sa.String(length=36), nullable=False),
    sa.CheckConstraint("polarity IN ('barrier','enabler')", name='ck_factor_polarity'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('guid'),
    sa.UniqueConstraint('label'),
    sa.UniqueConstraint('number')
    )
    op.create_table('changes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('author_id', sa.Integer(), nullable=True),
    sa.Column('entity_type', sa.String(length=32), nullable=False),
    sa.Column('entity_guid', sa.String(length=36), nullable=False),
    sa.Column('action', sa.String(length=64), nullable=False),
    sa.Column('detail', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['author_id'], ['users.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('changes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_changes_entity_guid'), ['entity_guid'], unique=False)

    op.create_table('factor_apease',
    sa.Column('factor_id', sa.Integer(), nullable=False),
    sa.Column('function', sa.String(length=64), nullable=False),
    sa.Column('criterion', sa.String(length=64), nullable=False),
    sa.Column('judgement', sa.String(length=8), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.CheckConstraint("judgement IN ('yes','no','unsure')", name='ck_apease_judgement'),
    sa.ForeignKeyConstraint(['factor_id'], ['factors.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('factor_id', 'function', 'criterion')
    )
    op.create_table('factor_codes',
    sa.Column('factor_id', sa.Integer(), nullable=False),
    sa.Column('code_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['code_id'], ['codes.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['factor_id'], ['factors.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('factor_id', 'code_id')
    )
    op.create_table('factor_diagnoses',
    sa.Column('factor_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=8), nullable=False),
    sa.Column('item', sa.String(length=64), nullable=False),
    sa.CheckConstraint("kind IN ('tdf','comb')", name='ck_diagnosis_kind'),
    sa.ForeignKeyConstraint(['factor_id'], ['factors.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('factor_id', 'kind', 'item')
    )
    op.create_table('factor_selections',
    sa.Column('factor_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('item', sa.String(length=64), nullable=False),
    sa.Column('justification', sa.Text(), nullable=True),
    sa.CheckConstraint("kind IN ('function','policy','technique')", name='ck_selection_kind'),
    sa.ForeignKeyConstraint(['factor_id'], ['factors.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('factor_id', 'kind', 'item')
    )
    op.create_table('factor_codings',
    sa.Column('factor_id', sa.Integer(), nullable=False),
    sa.Column('coding_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['coding_id'], ['codings.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['factor_id'], ['factors.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('factor_id', 'coding_id')
    )


def downgrade() -> None:
    op.drop_table('factor_codings')
    op.drop_table('factor_selections')
    op.drop_table('factor_diagnoses')
    op.drop_table('factor_codes')
    op.drop_table('factor_apease')
    with op.batch_alter_table('changes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_changes_entity_guid'))

    op.drop_table('changes')
    op.drop_table('factors')
