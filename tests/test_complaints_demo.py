"""The complaints demo data: an open complaint and a decided one, through the rules,
loaded once."""

from sqlalchemy import func, select

from marketplace.complaints.models import Complaint, ComplaintStatus
from marketplace.demo import accounts, complaints, evaluation


def test_demo_complaints_load_once(session, tmp_path, app):
    app.config["UPLOAD_DIR"] = str(tmp_path)
    accounts.load(session)
    evaluation.load(session)
    assert "1 open" in complaints.load(session)
    statuses = sorted(session.scalars(select(Complaint.status)))
    assert statuses == sorted([ComplaintStatus.DISMISSED, ComplaintStatus.FILED])
    decided = session.scalar(select(Complaint).where(
        Complaint.status == ComplaintStatus.DISMISSED))
    assert decided.reasoning and decided.decided_at
    assert complaints.load(session) == "complaints: already loaded"
    assert session.scalar(select(func.count()).select_from(Complaint)) == 2
