"""Issue 17, phases with down-selection: a challenge's phases with their budget shares,
durations, criteria and the number carried forward (their count on the challenge,
`phase_count`); the phase results of the solvers
carried forward and their scores; the phase of each award (1 = the open call's award,
k ≥ 2 = the down-selection into phase k), one live award per challenge and phase.

Revision ID: 20261201_0527_phases
Revises: 20261201_0426_alerts
Create Date: 2026-12-01
"""

import sqlalchemy as sa
from alembic import op

revision = "20261201_0527_phases"
down_revision = "20261201_0426_alerts"
branch_labels = None
depends_on = None

LIVE = sa.text("status NOT IN ('rejected', 'annulled')")


def _enum(name, *values):
    return sa.Enum(*values, name=name, native_enum=False, create_constraint=True, length=20)


def upgrade():
    op.create_table(
        "challenge_phases",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("challenge_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("budget_share", sa.BigInteger(), nullable=False),
        sa.Column("duration_days", sa.Integer(), nullable=False),
        sa.Column("carried_forward", sa.Integer(), nullable=False),
        sa.Column("results_deadline", sa.DateTime(timezone=True), nullable=True),
        sa.Column("status", _enum("phase_status", "planned", "collecting", "evaluating",
                                  "selected"), server_default="planned", nullable=False),
        sa.Column("collecting_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("evaluating_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("selected_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint("number >= 1 AND number <= 3",
                           name=op.f("ck_challenge_phases_number_range")),
        sa.CheckConstraint("budget_share > 0", name=op.f("ck_challenge_phases_share_positive")),
        sa.CheckConstraint("duration_days > 0",
                           name=op.f("ck_challenge_phases_duration_positive")),
        sa.CheckConstraint("carried_forward >= 1",
                           name=op.f("ck_challenge_phases_carried_positive")),
        sa.CheckConstraint("status = 'planned' OR results_deadline IS NOT NULL",
                           name=op.f("ck_challenge_phases_collecting_has_deadline")),
        sa.ForeignKeyConstraint(["challenge_id"], ["challenges.id"], ondelete="CASCADE",
                                name=op.f("fk_challenge_phases_challenge_id_challenges")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_challenge_phases")),
        sa.UniqueConstraint("challenge_id", "number",
                            name=op.f("uq_challenge_phases_challenge_id_number")),
    )
    with op.batch_alter_table("challenge_phases", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_challenge_phases_challenge_id"), ["challenge_id"],
                              unique=False)

    op.create_table(
        "phase_criteria",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("phase_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), server_default="0", nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("weight", sa.Integer(), nullable=False),
        sa.CheckConstraint("weight >= 1 AND weight <= 100",
                           name=op.f("ck_phase_criteria_weight_range")),
        sa.ForeignKeyConstraint(["phase_id"], ["challenge_phases.id"], ondelete="CASCADE",
                                name=op.f("fk_phase_criteria_phase_id_challenge_phases")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_phase_criteria")),
    )
    with op.batch_alter_table("phase_criteria", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_phase_criteria_phase_id"), ["phase_id"],
                              unique=False)

    op.create_table(
        "phase_results",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("phase_id", sa.Integer(), nullable=False),
        sa.Column("submission_id", sa.Integer(), nullable=False),
        sa.Column("summary", sa.Text(), server_default="", nullable=False),
        sa.Column("status", _enum("phase_result_status", "draft", "submitted", "opened",
                                  "scored", "carried", "dropped"),
                  server_default="draft", nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("submitted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("opened_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("scored_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint("status = 'draft' OR (summary <> '' AND submitted_at IS NOT NULL)",
                           name=op.f("ck_phase_results_submitted_has_summary")),
        sa.ForeignKeyConstraint(["phase_id"], ["challenge_phases.id"], ondelete="CASCADE",
                                name=op.f("fk_phase_results_phase_id_challenge_phases")),
        sa.ForeignKeyConstraint(["submission_id"], ["submissions.id"],
                                name=op.f("fk_phase_results_submission_id_submissions")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_phase_results")),
        sa.UniqueConstraint("phase_id", "submission_id",
                            name=op.f("uq_phase_results_phase_id_submission_id")),
    )
    with op.batch_alter_table("phase_results", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_phase_results_phase_id"), ["phase_id"],
                              unique=False)
        batch_op.create_index(batch_op.f("ix_phase_results_submission_id"), ["submission_id"],
                              unique=False)

    op.create_table(
        "phase_scores",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("result_id", sa.Integer(), nullable=False),
        sa.Column("evaluator_id", sa.Integer(), nullable=False),
        sa.Column("criterion_id", sa.Integer(), nullable=False),
        sa.Column("score", sa.Integer(), nullable=False),
        sa.Column("comment", sa.Text(), server_default="", nullable=False),
        sa.Column("total", sa.Numeric(precision=6, scale=2), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("score >= 0 AND score <= 10",
                           name=op.f("ck_phase_scores_score_range")),
        sa.CheckConstraint("total >= 0 AND total <= 100",
                           name=op.f("ck_phase_scores_total_range")),
        sa.ForeignKeyConstraint(["criterion_id"], ["phase_criteria.id"],
                                name=op.f("fk_phase_scores_criterion_id_phase_criteria")),
        sa.ForeignKeyConstraint(["evaluator_id"], ["users.id"],
                                name=op.f("fk_phase_scores_evaluator_id_users")),
        sa.ForeignKeyConstraint(["result_id"], ["phase_results.id"], ondelete="CASCADE",
                                name=op.f("fk_phase_scores_result_id_phase_results")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_phase_scores")),
        sa.UniqueConstraint("result_id", "evaluator_id", "criterion_id",
                            name=op.f("uq_phase_scores_result_id_evaluator_id_criterion_id")),
    )
    with op.batch_alter_table("phase_scores", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_phase_scores_evaluator_id"), ["evaluator_id"],
                              unique=False)
        batch_op.create_index(batch_op.f("ix_phase_scores_result_id"), ["result_id"],
                              unique=False)

    with op.batch_alter_table("challenges", schema=None) as batch_op:
        batch_op.add_column(sa.Column("phase_count", sa.Integer(), server_default="0",
                                      nullable=False))
        batch_op.create_check_constraint(op.f("ck_challenges_phase_count_range"),
                                         "phase_count >= 0 AND phase_count <= 3")
    with op.batch_alter_table("awards", schema=None) as batch_op:
        batch_op.add_column(sa.Column("phase", sa.Integer(), server_default="1",
                                      nullable=False))
        batch_op.create_check_constraint(op.f("ck_awards_phase_range"),
                                         "phase >= 1 AND phase <= 3")
        batch_op.drop_index("uq_awards_one_live_per_challenge")
        batch_op.create_index("uq_awards_one_live_per_challenge", ["challenge_id", "phase"],
                              unique=True, sqlite_where=LIVE, postgresql_where=LIVE)


def downgrade():
    op.execute("DELETE FROM awards WHERE phase > 1 AND id NOT IN "
               "(SELECT award_id FROM complaints) AND id NOT IN (SELECT i.award_id FROM "
               "award_items i JOIN pilot_orders o ON o.award_item_id = i.id)")
    with op.batch_alter_table("awards", schema=None) as batch_op:
        batch_op.drop_index("uq_awards_one_live_per_challenge")
        batch_op.create_index("uq_awards_one_live_per_challenge", ["challenge_id"],
                              unique=True, sqlite_where=LIVE, postgresql_where=LIVE)
        batch_op.drop_constraint(op.f("ck_awards_phase_range"), type_="check")
        batch_op.drop_column("phase")
    with op.batch_alter_table("challenges", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_challenges_phase_count_range"), type_="check")
        batch_op.drop_column("phase_count")
    for table, indexes in (("phase_scores", ("ix_phase_scores_result_id",
                                             "ix_phase_scores_evaluator_id")),
                           ("phase_results", ("ix_phase_results_submission_id",
                                              "ix_phase_results_phase_id")),
                           ("phase_criteria", ("ix_phase_criteria_phase_id",)),
                           ("challenge_phases", ("ix_challenge_phases_challenge_id",))):
        with op.batch_alter_table(table, schema=None) as batch_op:
            for index in indexes:
                batch_op.drop_index(batch_op.f(index))
        op.drop_table(table)
