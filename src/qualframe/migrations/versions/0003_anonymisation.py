"""anonymisation

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-22 02:56:07.158773
"""
from alembic import op
import sqlalchemy as sa


revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('sources', schema=None) as batch_op:
        batch_op.add_column(sa.Column('anonymised_at', sa.DateTime(timezone=True), nullable=True))
    op.create_table('anon_entities',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('key', sa.String(length=500), nullable=False),
    sa.Column('type', sa.String(length=32), nullable=False),
    sa.Column('text', sa.String(length=500), nullable=False),
    sa.Column('label', sa.String(length=200), nullable=False),
    sa.Column('decision', sa.String(length=16), nullable=False),
    sa.Column('guid', sa.String(length=36), nullable=False),
    sa.CheckConstraint("decision IN ('pending','accepted','rejected')", name='ck_entity_decision'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('guid'),
    sa.UniqueConstraint('key')
    )
    op.create_table('anon_register',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('text', sa.String(length=500), nullable=False),
    sa.Column('type', sa.String(length=32), nullable=False),
    sa.Column('variants', sa.Text(), nullable=False),
    sa.Column('guid', sa.String(length=36), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('guid')
    )
    op.create_table('anon_mentions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('source_id', sa.Integer(), nullable=False),
    sa.Column('entity_id', sa.Integer(), nullable=False),
    sa.Column('start', sa.Integer(), nullable=False),
    sa.Column('end', sa.Integer(), nullable=False),
    sa.Column('recogniser', sa.String(length=64), nullable=False),
    sa.Column('score', sa.Float(), nullable=False),
    sa.Column('decision', sa.String(length=16), nullable=False),
    sa.CheckConstraint("decision IN ('inherit','accepted','rejected')", name='ck_mention_decision'),
    sa.ForeignKeyConstraint(['entity_id'], ['anon_entities.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['source_id'], ['sources.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('source_id', 'start', 'end', name='uq_mention_span')
    )
    with op.batch_alter_table('anon_mentions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_anon_mentions_entity_id'), ['entity_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_anon_mentions_source_id'), ['source_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('sources', schema=None) as batch_op:
        batch_op.drop_column('anonymised_at')
    with op.batch_alter_table('anon_mentions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_anon_mentions_source_id'))
        batch_op.drop_index(batch_op.f('ix_anon_mentions_entity_id'))

    op.drop_table('anon_mentions')
    op.drop_table('anon_register')
    op.drop_table('anon_entities')
