"""The evaluation report for the agency: every score, comment, declaration and the
decision, as a printable page and as CSV (safe to open in a spreadsheet)."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass

from flask_babel import gettext as _
from sqlalchemy import select

from marketplace.challenges.models import Challenge
from marketplace.evaluation.models import Award, ConflictDeclaration, Evaluation, Moderation
from marketplace.evaluation.ranking import Standing, standings
from marketplace.evaluation.services import load_scores, panel_of, solution_labels
from marketplace.labels import label
from marketplace.submissions.models import Submission
from marketplace.textsafety import neutral_cell


def safe_cell(value) -> str:
    """A spreadsheet must not run a cell as a formula (`textsafety.neutral_cell`)."""
    return neutral_cell("" if value is None else str(value))


@dataclass
class Report:
    challenge: Challenge
    labels: dict[int, str]
    standings: list[Standing]
    panel: list
    declarations: list[ConflictDeclaration]
    evaluations: list[Evaluation]
    moderations: dict[int, Moderation]
    awards: list[Award]


def build(session, challenge: Challenge) -> Report:
    table = standings(session, challenge)
    subs = [s.submission for s in table]
    ids = [s.id for s in subs]
    declarations = list(session.scalars(
        select(ConflictDeclaration).where(ConflictDeclaration.submission_id.in_(ids))
        .order_by(ConflictDeclaration.submission_id, ConflictDeclaration.id)))
    evaluations = load_scores(session, list(session.scalars(
        select(Evaluation).where(Evaluation.submission_id.in_(ids))
        .order_by(Evaluation.submission_id, Evaluation.id))))
    moderations = {m.submission_id: m for m in session.scalars(
        select(Moderation).where(Moderation.submission_id.in_(ids)))}
    awards = list(session.scalars(select(Award).where(Award.challenge_id == challenge.id)
                                  .order_by(Award.id)))
    return Report(challenge, solution_labels(subs), table, panel_of(session, challenge),
                  declarations, evaluations, moderations, awards)


HEADER = ("record", "solution", "organization", "person", "criterion", "weight", "score",
          "total", "rank", "spread", "status", "text", "time")


def rows(report: Report) -> list[list]:
    labels = report.labels

    def who(submission: Submission) -> list:
        return [labels.get(submission.id, ""), submission.organization.name_vi]

    out: list[list] = [["challenge", "", report.challenge.agency.name_vi, "", "", "", "", "", "",
                        "", report.challenge.status.value, report.challenge.title, ""]]
    for member in report.panel:
        out.append(["panel", "", "", f"{member.user.full_name} <{member.user.email}>", "", "",
                    "", "", "", "", "chair" if member.is_chair else "member", "",
                    member.appointed_at.isoformat()])
    for s in report.standings:
        out.append(["standing", *who(s.submission), "", "", "", s.score, s.mean, s.rank,
                    s.spread, s.submission.status.value, s.submission.disqualification_reason,
                    ""])
        moderation = report.moderations.get(s.submission.id)
        if moderation is not None:
            out.append(["moderation", *who(s.submission), "", "", "", moderation.score, "",
                        "", "", "", moderation.justification, moderation.created_at.isoformat()])
    for d in report.declarations:
        out.append(["declaration", *who(d.submission), d.evaluator.full_name, "", "", "", "",
                    "", "", d.kind.value, d.note, d.declared_at.isoformat()])
    for e in report.evaluations:
        out.append(["evaluation", *who(e.submission), e.evaluator.full_name, "", "", "",
                    e.total, "", "", e.status.value, e.set_aside_reason,
                    e.submitted_at.isoformat() if e.submitted_at else ""])
        for score in sorted(e.scores, key=lambda s: s.criterion.position):
            out.append(["score", *who(e.submission), e.evaluator.full_name,
                        score.criterion.name, score.criterion.weight, score.score, "", "", "",
                        "", score.comment, ""])
    for award in report.awards:
        out.append(["award", "", "", award.proposed_by.full_name, "", "", "",
                    award.total_amount, "", "", award.status.value,
                    award.justification + (f" | {award.rejection_reason}"
                                           if award.rejection_reason else ""),
                    award.proposed_at.isoformat()])
        if award.decided_by is not None or award.decided_at is not None:
            out.append(["award_decision", "", "",
                        award.decided_by.full_name if award.decided_by else _("System"), "",
                        "", "", "", "", "", award.status.value, label(award.status),
                        award.decided_at.isoformat() if award.decided_at else ""])
        for item in award.items:
            out.append(["award_item", *who(item.submission), "", "", "", item.score,
                        item.amount, item.rank, "", "", item.not_top_ranked_reason, ""])
    if report.challenge.cancel_reason:
        out.append(["cancellation", "", "", "", "", "", "", "", "", "",
                    report.challenge.status.value, report.challenge.cancel_reason, ""])
    return out


def to_csv(report: Report) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(HEADER)
    for row in rows(report):
        writer.writerow([safe_cell(cell) for cell in row])
    return "\ufeff" + buffer.getvalue()  # a BOM: spreadsheets then read UTF-8 as UTF-8
