"""The phases demo data (issue 17): a three-phase challenge mid-way, one solver dropped
after phase 1, through the rules, loaded once."""

from sqlalchemy import select

from marketplace.challenges.models import Challenge
from marketplace.demo import accounts, phases
from marketplace.phases import services
from marketplace.phases.models import PhaseResult, PhaseStatus, ResultStatus


def test_demo_phases_load_once(session, tmp_path, app, client):
    app.config["UPLOAD_DIR"] = str(tmp_path)
    accounts.load(session)
    assert "mid-way" in phases.load(session)
    challenge = session.scalar(select(Challenge).where(Challenge.title == phases.MARKER))
    rows = services.funnel(session, challenge)
    assert [(r.entered, r.carried, r.cost) for r in rows] == [
        (3, 2, 300_000_000), (2, 1, 650_000_000), (0, None, 0)]
    assert [r.phase.status for r in rows][1:] == [PhaseStatus.SELECTED, PhaseStatus.PLANNED]
    assert sorted(session.scalars(select(PhaseResult.status))) == sorted(
        [ResultStatus.CARRIED, ResultStatus.DROPPED])
    assert phases.load(session) == "phases: already loaded"
    activity = client.get("/activity").get_data(as_text=True)
    assert "vào giai đoạn 2 của bài toán" in activity  # the down-selection, told
    assert "đã xét chọn các đơn vị giải pháp của giai đoạn 2" in activity
