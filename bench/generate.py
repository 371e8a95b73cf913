"""A realistic national data set, generated fast with bulk inserts.

    python -m bench.generate --size 100000 --database-url sqlite:///bench/data/x.sqlite3

The database is first migrated with the real migrations (`flask db upgrade`), then
filled in chunks of challenges: SQLAlchemy Core `insert()` with lists of dicts on SQLite
(one executemany per table and chunk), `COPY ... FROM STDIN` on PostgreSQL. Ids are
assigned here, so every relation is known without a round trip. Deterministic: the same
size and seed give the same rows (times are relative to a fixed anchor, `--anchor`).

What it holds: the 63 provinces (the pre-2025 list) and 30 ministries as agencies, a few
thousand verified solver organizations (startups, institutes, universities,
enterprises) with their users, evaluators, and `--size` challenges across the whole
lifecycle, each with criteria, clarifications, ~10 submissions (some in consortia),
panels, conflict declarations, evaluations with scores, awards with items, pilot orders
with KPIs, milestones, deliveries, payments and ratings, consistent with the
lifecycles (an awarded challenge has an approved award; a paid milestone was accepted
and has a succeeded payment; a completed order has every milestone paid).

What it leaves empty: `audit_events` (a hash chain that only the application's own
`record()` may write, one event at a time), attachments (no files), notifications,
invitations and amendments."""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
from collections import defaultdict
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from sqlalchemy import create_engine, event, func, insert, select, text

from bench import vocab

GENERATOR_VERSION = 2  # bump when the generated data changes: cached databases rebuild
DEFAULT_ANCHOR = datetime(2026, 11, 23, tzinfo=UTC)
CHUNK = 1000  # challenges per transaction
PASSWORD = "bench-password"  # noqa: S105 - a throwaway benchmark data set

# Insert order: parents before children.
TABLE_ORDER = (
    "organizations", "users", "memberships", "challenges", "criteria", "clarifications",
    "submissions", "consortium_partners", "panel_members", "conflict_declarations",
    "evaluations", "scores", "awards", "award_items", "pilot_orders", "kpis", "milestones",
    "milestone_deliveries", "payments", "ratings",
)

CHALLENGE_STATUS_WEIGHTS = (("draft", 6), ("published", 14), ("closed", 4), ("evaluating", 8),
                            ("awarded", 58), ("cancelled", 10))
SOLVER_KIND_WEIGHTS = (("startup", 45), ("enterprise", 20), ("institute", 15), ("university", 20))


def _hex(rng: random.Random) -> str:
    return f"{rng.getrandbits(256):064x}"


class Sink:
    """Buffers rows per table and writes them in bulk, parents first."""

    def __init__(self, engine):
        from marketplace import models  # noqa: F401 - registers every table
        from marketplace.extensions import db

        self.engine = engine
        self.tables = db.metadata.tables
        self.postgres = engine.dialect.name == "postgresql"
        self.buffers: dict[str, list[dict]] = defaultdict(list)
        self.counts: dict[str, int] = defaultdict(int)
        self.json_columns = {
            name: {c.name for c in table.columns if c.type.__class__.__name__ == "JSON"}
            for name, table in self.tables.items()
        }

    def add(self, table: str, row: dict) -> None:
        self.buffers[table].append(row)

    def flush(self) -> None:
        with self.engine.begin() as conn:
            for name in TABLE_ORDER:
                rows = self.buffers.pop(name, None)
                if not rows:
                    continue
                if self.postgres:
                    self._copy(conn, name, rows)
                else:
                    for start in range(0, len(rows), 20000):
                        conn.execute(insert(self.tables[name]), rows[start:start + 20000])
                self.counts[name] += len(rows)
        assert not self.buffers, f"tables missing from TABLE_ORDER: {list(self.buffers)}"  # noqa: S101

    def _copy(self, conn, name: str, rows: list[dict]) -> None:
        columns = list(rows[0])
        json_cols = [i for i, c in enumerate(columns) if c in self.json_columns[name]]
        cursor = conn.connection.driver_connection.cursor()
        with cursor.copy(f"COPY {name} ({', '.join(columns)}) FROM STDIN") as copy:
            for row in rows:
                values = [row[c] for c in columns]
                for i in json_cols:
                    values[i] = json.dumps(values[i], ensure_ascii=False)
                copy.write_row(values)


class Generator:
    def __init__(self, sink: Sink, size: int, seed: int, anchor: datetime):
        self.sink = sink
        self.size = size
        self.rng = random.Random(seed)
        self.anchor = anchor
        self.ids: dict[str, int] = defaultdict(int)
        self.agencies: list[dict] = []  # {"id", "owner", "officer", "approver", "threshold"}
        self.solvers: list[dict] = []  # verified ones: {"id", "owner", "name"}
        self.evaluators: list[int] = []
        self.user_names: dict[int, str] = {}

    # ---- helpers --------------------------------------------------------------------
    def next_id(self, table: str) -> int:
        self.ids[table] += 1
        return self.ids[table]

    def ago(self, days: float) -> datetime:
        return self.anchor - timedelta(seconds=int(days * 86400))

    def after(self, moment: datetime, days: float) -> datetime:
        return moment + timedelta(seconds=int(days * 86400))

    def person(self) -> str:
        rng = self.rng
        return (f"{rng.choice(vocab.FAMILY_NAMES)} {rng.choice(vocab.MIDDLE_NAMES)} "
                f"{rng.choice(vocab.GIVEN_NAMES)}")

    def user(self, email: str, created: datetime, *, admin: bool = False) -> int:
        uid = self.next_id("users")
        name = self.person()
        self.user_names[uid] = name
        self.sink.add("users", {
            "id": uid, "email": email, "password_hash": self.password_hash, "full_name": name,
            "phone": f"09{self.rng.randrange(10**8):08d}", "locale": "vi", "is_admin": admin,
            "active": True, "session_version": 1, "created_at": created, "last_login_at": None,
        })
        return uid

    def member(self, user_id: int, org_id: int, role: str, created: datetime) -> None:
        self.sink.add("memberships", {"id": self.next_id("memberships"), "user_id": user_id,
                                      "organization_id": org_id, "role": role,
                                      "created_at": created})

    def org(self, kind: str, name: str, province: str, status: str, created: datetime,
            threshold: int = 500_000_000) -> int:
        oid = self.next_id("organizations")
        verified = created + timedelta(days=2) if status == "verified" else None
        rejected = created + timedelta(days=3) if status == "rejected" else None
        self.sink.add("organizations", {
            "id": oid, "kind": kind, "name_vi": name, "name_en": "",
            "registration_code": f"{oid:010d}", "province": province,
            "website": f"https://org{oid}.bench.example", "description": "",
            "status": status, "rejection_reason": "Hồ sơ pháp lý chưa đầy đủ." if rejected else "",
            "approval_threshold": threshold, "created_at": created, "verified_at": verified,
            "rejected_at": rejected,
        })
        return oid

    # ---- the national actors --------------------------------------------------------
    def actors(self) -> None:
        from argon2 import PasswordHasher

        self.password_hash = PasswordHasher().hash(PASSWORD)
        rng = self.rng
        start = self.ago(6 * 365)
        self.user("admin@bench.example", start, admin=True)
        agency_names = [(vocab.province_agency_name(p), p) for p in vocab.PROVINCES_63]
        agency_names += [(m, "Hà Nội") for m in vocab.MINISTRIES_30]
        for name, province in agency_names:
            threshold = rng.choice((500_000_000, 1_000_000_000, 2_000_000_000))
            oid = self.org("agency", name, province, "verified", start, threshold)
            people = {"id": oid, "threshold": threshold, "province": province}
            for role in ("owner", "officer", "approver"):
                uid = self.user(f"{role}{oid}@agency.bench.example", start)
                self.member(uid, oid, role, start)
                people[role] = uid
            self.agencies.append(people)
        n_solvers = 2000 + self.size // 25
        kinds = [k for k, _ in SOLVER_KIND_WEIGHTS]
        weights = [w for _, w in SOLVER_KIND_WEIGHTS]
        for n in range(n_solvers):
            kind = rng.choices(kinds, weights)[0]
            province = rng.choice(vocab.PROVINCES_63)
            if kind == "university":
                name = f"{rng.choice(vocab.UNIVERSITY_NAMES)} {province} {n}"
            elif kind == "institute":
                name = f"{rng.choice(vocab.INSTITUTE_NAMES)} {rng.choice(vocab.COMPANY_STEMS)} {n}"
            else:
                form = "Công ty Cổ phần" if kind == "enterprise" else "Công ty TNHH"
                name = (f"{form} {rng.choice(vocab.COMPANY_FIELDS)} "
                        f"{rng.choice(vocab.COMPANY_STEMS)} {n}")
            roll = rng.random()
            status = "verified" if roll < 0.9 else ("pending" if roll < 0.98 else "rejected")
            created = self.ago(rng.uniform(30, 6 * 365))
            oid = self.org(kind, name, province, status, created)
            owner = self.user(f"owner{oid}@solver.bench.example", created)
            self.member(owner, oid, "owner", created)
            if rng.random() < 0.5:
                self.member(self.user(f"member{oid}@solver.bench.example", created), oid,
                            "member", created)
            if status == "verified":
                self.solvers.append({"id": oid, "owner": owner})
        for n in range(300 + self.size // 200):
            self.evaluators.append(self.user(f"evaluator{n}@bench.example", start))
        self.sink.flush()

    def text_pools(self) -> None:
        rng = self.rng

        def fill(template: str) -> str:
            return template.format(
                obj=rng.choice(vocab.OBJECTS), place=rng.choice(vocab.PROVINCES_63),
                tech=rng.choice(vocab.TECHNOLOGIES), months=rng.choice((6, 9, 12, 18)),
                pct=rng.choice((20, 30, 40, 85, 90, 95)), scope="tỉnh" if rng.random() < .5
                else "ngành", days=rng.choice((3, 5, 7)), n=rng.choice((20, 50, 100)),
                trl=rng.randint(5, 8))

        self.problems = [" ".join(fill(s) for s in rng.sample(vocab.SENTENCES, rng.randint(3, 5)))
                         for _ in range(3000)]
        self.outcomes = ["\n".join(f"- {fill(s)}" for s in rng.sample(vocab.OUTCOMES, 3))
                         for _ in range(500)]
        self.summaries = [" ".join(fill(s) for s in rng.sample(vocab.SOLVER_SENTENCES, 3))
                          for _ in range(3000)]
        self.approaches = [" ".join(fill(s) for s in rng.sample(vocab.SOLVER_SENTENCES, 2))
                           for _ in range(1000)]

    # ---- challenges and everything under them --------------------------------------
    def challenge_times(self, status: str) -> dict:
        rng = self.rng
        t: dict = dict.fromkeys(("published_at", "closed_at", "evaluating_at", "awarded_at",
                                 "cancelled_at", "submission_deadline", "clarification_deadline"))
        if status == "draft":
            t["created_at"] = self.ago(rng.uniform(1, 120))
            if rng.random() < 0.5:
                t["submission_deadline"] = self.after(self.anchor, rng.uniform(30, 120))
            t["updated_at"] = t["created_at"]
            return t
        if status == "published":
            published = self.ago(rng.uniform(1, 45))
            deadline = self.after(self.anchor, rng.uniform(5, 90))
        elif status == "closed":
            deadline = self.ago(rng.uniform(1, 9))
            published = deadline - timedelta(days=rng.uniform(30, 90))
        elif status == "evaluating":
            deadline = self.ago(rng.uniform(10, 60))
            published = deadline - timedelta(days=rng.uniform(30, 90))
        else:  # awarded, cancelled
            published = self.ago(rng.uniform(150, 5 * 365))
            deadline = published + timedelta(days=rng.uniform(30, 90))
        t["published_at"] = published
        t["submission_deadline"] = deadline
        t["clarification_deadline"] = max(published + timedelta(days=1),
                                          deadline - timedelta(days=rng.uniform(7, 14)))
        t["created_at"] = published - timedelta(days=rng.uniform(1, 20))
        last = published
        if status in ("closed", "evaluating", "awarded"):
            t["closed_at"] = last = deadline + timedelta(minutes=rng.randint(1, 30))
        if status in ("evaluating", "awarded"):
            t["evaluating_at"] = last = t["closed_at"] + timedelta(days=rng.uniform(1, 5))
        if status == "awarded":
            t["awarded_at"] = last = t["evaluating_at"] + timedelta(days=rng.uniform(14, 45))
        if status == "cancelled":
            t["cancelled_at"] = last = published + (deadline - published) * rng.random()
        t["updated_at"] = last
        return t

    def challenges(self) -> None:
        rng = self.rng
        group_ids = self.group_ids
        statuses = [s for s, _ in CHALLENGE_STATUS_WEIGHTS]
        weights = [w for _, w in CHALLENGE_STATUS_WEIGHTS]
        started = time.perf_counter()
        for n in range(self.size):
            self.one_challenge(rng.choices(statuses, weights)[0], group_ids)
            if (n + 1) % CHUNK == 0 or n + 1 == self.size:
                self.sink.flush()
                if (n + 1) % (CHUNK * 10) == 0:
                    rate = sum(self.sink.counts.values()) / (time.perf_counter() - started)
                    print(f"  {n + 1:>7} challenges, {rate:,.0f} rows/s", file=sys.stderr)

    def one_challenge(self, status: str, group_ids: list[int]) -> None:
        rng, add = self.rng, self.sink.add
        agency = rng.choice(self.agencies)
        cid = self.next_id("challenges")
        t = self.challenge_times(status)
        obj = rng.choice(vocab.OBJECTS)
        province = agency["province"] if rng.random() < 0.8 else rng.choice(vocab.PROVINCES_63)
        site = f"{rng.choice(vocab.SITES)} {province}"
        title = (f"{rng.choice(vocab.ACTIONS)} {rng.choice(vocab.TECHNOLOGIES)} "
                 f"trong {obj} tại {site}")
        budget = rng.randint(2, 200) * 100_000_000
        duration = rng.choice((3, 6, 9, 12, 18, 24))
        parallel = rng.random() < 0.1
        consortia = rng.random() < 0.8
        kinds = sorted(rng.sample(["startup", "institute", "university", "enterprise"],
                                  rng.randint(2, 4)))
        add("challenges", {
            "id": cid, "agency_id": agency["id"], "created_by_id": agency["officer"],
            "title": title[:300],
            "problem": f"Bài toán về {obj} tại {site}.\n\n{rng.choice(self.problems)}",
            "expected_outcomes": rng.choice(self.outcomes),
            "technology_group_id": rng.choice(group_ids),
            "sector": rng.choice(vocab.SECTORS), "pilot_site": site, "province": province,
            "budget_ceiling": budget, "pilot_duration_months": duration,
            "eligible_kinds": kinds, "consortia_allowed": consortia,
            "parallel_pilots_allowed": parallel, "blind_review": rng.random() < 0.3,
            "min_evaluators": 2, "status": status,
            "cancel_reason": rng.choice(vocab.CANCEL_REASONS) if status == "cancelled" else "",
            **t,
        })
        # criteria: 3–5, weights in steps of 5 that sum to 100
        k = rng.randint(3, 5)
        weights = [5] * k
        for _ in range((100 - 5 * k) // 5):
            weights[rng.randrange(k)] += 5
        criteria = []
        for position, ((name, description), weight) in enumerate(
                zip(rng.sample(vocab.CRITERIA, k), weights, strict=True)):
            crit_id = self.next_id("criteria")
            criteria.append((crit_id, weight))
            add("criteria", {"id": crit_id, "challenge_id": cid, "position": position,
                             "name": name, "description": description, "weight": weight})
        if status == "draft":
            return
        published = t["published_at"]
        for _ in range(rng.randint(0, 3)):
            asker = rng.choice(self.solvers)
            asked = published + timedelta(days=rng.uniform(0.5, 6))
            answered = status != "published" or rng.random() < 0.7
            q = rng.randrange(len(vocab.QUESTIONS))
            add("clarifications", {
                "id": self.next_id("clarifications"), "challenge_id": cid,
                "asked_by_id": asker["owner"], "asker_org_id": asker["id"],
                "question": vocab.QUESTIONS[q], "answer": vocab.ANSWERS[q] if answered else "",
                "asked_at": asked,
                "answered_at": asked + timedelta(days=1) if answered else None,
                "answered_by_id": agency["officer"] if answered else None})
        self.submissions(cid, status, t, agency, budget, criteria, parallel, consortia)

    def submission_status(self, challenge_status: str) -> str:
        roll = self.rng.random()
        if challenge_status == "published":
            return "draft" if roll < 0.25 else ("withdrawn" if roll < 0.3 else "submitted")
        if challenge_status == "cancelled":
            return "draft" if roll < 0.05 else ("withdrawn" if roll < 0.15 else "submitted")
        if roll < 0.03:
            return "draft"
        if roll < 0.07:
            return "withdrawn"
        if challenge_status == "closed":
            return "opened"
        if roll < 0.12:
            return "disqualified"
        if challenge_status == "evaluating":
            return "opened" if roll < 0.25 else ("scored" if roll < 0.75 else "shortlisted")
        return "scored"  # awarded: decided below from the ranking

    def submissions(self, cid, status, t, agency, budget, criteria, parallel, consortia):
        rng, add = self.rng, self.sink.add
        published, deadline = t["published_at"], t["submission_deadline"]
        if status == "published":
            count = rng.randint(2, 10)
        elif status == "cancelled":
            count = rng.randint(0, 6)
        else:
            count = rng.randint(7, 13)
        # Panel: appointed once the challenge is published; most have one before closing.
        panel = []
        if status in ("closed", "evaluating", "awarded") or (status == "published"
                                                             and rng.random() < 0.5):
            for position, uid in enumerate(rng.sample(self.evaluators, rng.choice((2, 3)))):
                panel.append(uid)
                add("panel_members", {
                    "id": self.next_id("panel_members"), "challenge_id": cid, "user_id": uid,
                    "is_chair": position == 0, "appointed_by_id": agency["officer"],
                    "appointed_at": published + timedelta(days=1)})
        ranked = []  # (mean total, submission row)
        for n, org in enumerate(rng.sample(self.solvers, min(count, len(self.solvers)))):
            sid = self.next_id("submissions")
            sub_status = self.submission_status(status)
            if n == 0 and status in ("evaluating", "awarded"):
                sub_status = "scored"  # an awarded challenge has a winner
            created = published + timedelta(days=rng.uniform(0.5, 10))
            row = {
                "id": sid, "challenge_id": cid, "organization_id": org["id"],
                "created_by_id": org["owner"], "status": sub_status,
                "summary": rng.choice(self.summaries),
                "technical_approach": rng.choice(self.approaches),
                "trl": None, "proposed_price": None,
                "timeline": "Khảo sát 1 tháng; thử nghiệm 2 tháng; vận hành thí điểm.",
                "team": f"{rng.randint(3, 15)} kỹ sư và chuyên gia",
                "receipt_digest": None, "disqualification_reason": "",
                "created_at": created, "updated_at": created,
                **dict.fromkeys(("submitted_at", "withdrawn_at", "opened_at", "disqualified_at",
                                 "scored_at", "shortlisted_at", "decided_at")),
            }
            if sub_status != "draft":
                submitted = created + (deadline - created) * rng.uniform(0.1, 0.95)
                row.update(trl=rng.randint(4, 9),
                           proposed_price=rng.randint(budget // 2_000_000, budget // 1_000_000)
                           * 1_000_000,
                           receipt_digest=_hex(rng), submitted_at=submitted,
                           updated_at=submitted)
            if sub_status == "withdrawn":
                row["withdrawn_at"] = row["submitted_at"] + timedelta(days=1)
            if sub_status in ("opened", "disqualified", "scored", "shortlisted"):
                row["opened_at"] = t["closed_at"]
            if sub_status == "disqualified":
                row["disqualified_at"] = t["evaluating_at"] + timedelta(days=1)
                row["disqualification_reason"] = "Không đáp ứng điều kiện về tư cách pháp lý."
            add("submissions", row)
            if consortia and sub_status != "draft" and rng.random() < 0.1:
                partner = rng.choice(self.solvers)
                if partner["id"] != org["id"]:
                    add("consortium_partners", {
                        "id": self.next_id("consortium_partners"), "submission_id": sid,
                        "organization_id": partner["id"], "status": "accepted",
                        "invited_by_id": org["owner"], "invited_at": created,
                        "responded_at": created + timedelta(days=1),
                        "responded_by_id": partner["owner"]})
            if sub_status in ("scored", "shortlisted"):
                mean = self.evaluate(row, panel, criteria, t)
                ranked.append((mean, row))
        if status == "awarded" and ranked:
            self.award(cid, t, agency, ranked, parallel, budget)
        elif status == "evaluating" and ranked and rng.random() < 0.2:
            self.award(cid, t, agency, ranked, parallel, budget, proposed=True)

    def evaluate(self, row: dict, panel: list[int], criteria, t) -> Decimal:
        rng, add = self.rng, self.sink.add
        scored_at = t["evaluating_at"] + timedelta(days=rng.uniform(3, 12))
        row["scored_at"] = scored_at
        if row["status"] == "shortlisted":
            row["shortlisted_at"] = scored_at + timedelta(days=1)
        quality = rng.uniform(3, 9)
        totals = []
        for position, uid in enumerate(panel):
            conflict = position > 0 and rng.random() < 0.02  # the chair always scores
            add("conflict_declarations", {
                "id": self.next_id("conflict_declarations"), "submission_id": row["id"],
                "evaluator_id": uid, "kind": "collaboration" if conflict else "none",
                "note": "Từng hợp tác với đơn vị dự thi trong năm qua." if conflict else "",
                "declared_at": t["evaluating_at"]})
            if conflict:
                continue
            eid = self.next_id("evaluations")
            weighted = 0
            for crit_id, weight in criteria:
                score = min(10, max(0, round(rng.gauss(quality, 1.2))))
                weighted += score * weight
                add("scores", {"id": self.next_id("scores"), "evaluation_id": eid,
                               "criterion_id": crit_id, "score": score,
                               "comment": rng.choice(vocab.COMMENTS)})
            total = Decimal(weighted) / 10
            totals.append(total)
            submitted = scored_at - timedelta(hours=rng.uniform(1, 48))
            add("evaluations", {"id": eid, "submission_id": row["id"], "evaluator_id": uid,
                                "status": "submitted", "total": total,
                                "created_at": t["evaluating_at"], "updated_at": submitted,
                                "submitted_at": submitted})
        return (sum(totals) / len(totals)).quantize(Decimal("0.01"))

    def award(self, cid, t, agency, ranked, parallel, budget, *, proposed: bool = False
              ) -> None:
        rng, add = self.rng, self.sink.add
        ranked.sort(key=lambda pair: (-pair[0], pair[1]["id"]))
        winners = ranked[:2] if parallel and len(ranked) > 1 and rng.random() < 0.3 else ranked[:1]
        # the product refuses awards above the challenge's ceiling (issue 16): parallel
        # pilots only while their prices fit in it together
        while len(winners) > 1 and sum(row["proposed_price"] for _, row in winners) > budget:
            winners = winners[:-1]
        total = sum(row["proposed_price"] for _, row in winners)
        requires = total > agency["threshold"]
        award_id = self.next_id("awards")
        decided = t["awarded_at"] if not proposed else None
        proposed_at = (decided - timedelta(days=rng.uniform(1, 5)) if decided and requires
                       else decided or t["evaluating_at"] + timedelta(days=10))
        add("awards", {
            "id": award_id, "challenge_id": cid, "status": "proposed" if proposed else "approved",
            "justification": "Hồ sơ đạt điểm cao nhất, đáp ứng đầy đủ yêu cầu kỹ thuật "
                             "và ngân sách.",
            "total_amount": total, "requires_approval": requires,
            "proposed_by_id": agency["officer"], "proposed_at": proposed_at,
            "decided_by_id": agency["approver"] if decided and requires else None,
            "decided_at": decided, "rejection_reason": ""})
        if not proposed:
            winner_ids = {row["id"] for _, row in winners}
            for _, row in ranked:
                row["status"] = "awarded" if row["id"] in winner_ids else "not_awarded"
                row["decided_at"] = decided
                row["updated_at"] = decided
        for rank, (score, row) in enumerate(winners, start=1):
            item_id = self.next_id("award_items")
            add("award_items", {
                "id": item_id, "award_id": award_id, "submission_id": row["id"],
                "amount": row["proposed_price"], "rank": rank, "score": score,
                "not_top_ranked_reason": "" if rank == 1 else
                "Thí điểm song song theo quy định của đề bài."})
            if not proposed:
                self.order(item_id, cid, agency, row, decided)

    def order(self, item_id, cid, agency, submission, awarded_at) -> None:
        rng, add = self.rng, self.sink.add
        oid = self.next_id("pilot_orders")
        age = (self.anchor - awarded_at).days
        roll = rng.random()
        if age < 20:
            status = "draft" if roll < 0.4 else "offered"
        elif age < 60:
            status = "signed" if roll < 0.3 else "active"
        elif age < 400:
            status = "active" if roll < 0.7 else ("completed" if roll < 0.95 else "terminated")
        else:
            status = "completed" if roll < 0.92 else "terminated"
        value = submission["proposed_price"]
        start = (awarded_at + timedelta(days=30)).date()
        months = rng.choice((3, 6, 9, 12))
        end = start + timedelta(days=30 * months)
        offered = awarded_at + timedelta(days=7)
        signed = offered + timedelta(days=rng.uniform(2, 10))
        active = signed + timedelta(days=rng.uniform(1, 5))
        solver_owner = submission["created_by_id"]
        was_signed = status in ("signed", "active", "completed", "terminated")
        was_active = status in ("active", "completed", "terminated")
        end_dt = datetime.combine(end, datetime.min.time(), tzinfo=UTC)
        finished = min(end_dt, self.anchor - timedelta(days=1))
        order_row = {
            "id": oid, "award_item_id": item_id, "challenge_id": cid, "agency_id": agency["id"],
            "solver_id": submission["organization_id"],
            "contract_number": f"{oid:06d}/{start.year}/HĐ-TĐ", "value": value,
            "start_date": start, "end_date": end,
            "terms": "Điều khoản hợp đồng thí điểm theo mẫu của đơn vị đặt hàng.",
            "status": status, "version": 1, "created_by_id": agency["officer"],
            "created_at": awarded_at + timedelta(days=1),
            "offered_at": offered if status != "draft" else None,
            "signed_at": signed if was_signed else None,
            "signed_by_id": solver_owner if was_signed else None,
            "signer_name": self.user_names[solver_owner] if was_signed else "",
            "signed_terms_sha256": _hex(rng) if was_signed else None,
            "active_at": active if was_active else None,
            "countersigned_by_id": agency["approver"] if was_active else None,
            "countersigner_name": self.user_names[agency["approver"]] if was_active else "",
            "countersigned_terms_sha256": _hex(rng) if was_active else None,
            "completed_at": finished if status == "completed" else None,
            "terminated_at": finished if status == "terminated" else None,
            "termination_reason": "Đơn vị thực hiện không đáp ứng tiến độ đã cam kết."
            if status == "terminated" else "",
            "scale_up_recommended": (rng.random() < 0.6) if status == "completed" else None,
            "follow_on_plan": "Nhân rộng ra các đơn vị trong tỉnh."
            if status == "completed" else "",
        }
        add("pilot_orders", order_row)
        kpi_ids = []
        for position, (name, target) in enumerate(rng.sample(vocab.KPIS, rng.randint(2, 3))):
            kpi_id = self.next_id("kpis")
            kpi_ids.append(kpi_id)
            add("kpis", {"id": kpi_id, "order_id": oid, "position": position, "name": name,
                         "target": target})
        n = rng.randint(2, 4)
        unit = value // n
        amounts = [unit] * (n - 1) + [value - unit * (n - 1)]
        if status == "completed":
            paid = n
        elif status == "terminated":
            paid = rng.randrange(n)
        elif status == "active":
            elapsed = (self.anchor.date() - start).days / max(1, (end - start).days)
            paid = min(n - 1, max(0, int(n * elapsed)))
        else:
            paid = 0
        for position, (deliverable, amount) in enumerate(
                zip(rng.sample(vocab.DELIVERABLES, n), amounts, strict=True)):
            mid = self.next_id("milestones")
            due = start + timedelta(days=(end - start).days * (position + 1) // n)
            m_status = "planned"
            if position < paid:
                m_status = "paid"
            elif position == paid and status == "active":
                m_status = rng.choice(("planned", "delivered", "accepted"))
            delivered = accepted = paid_at = None
            if m_status != "planned" and active + timedelta(days=5) > self.anchor:
                m_status = "planned"  # countersigned too recently to have delivered
            if m_status != "planned":
                delivered = min(datetime.combine(due, datetime.min.time(), tzinfo=UTC),
                                self.anchor - timedelta(days=3))
                delivered = max(delivered, active + timedelta(days=1))
            if m_status in ("accepted", "paid"):
                accepted = delivered + timedelta(days=1)
            if m_status == "paid":
                paid_at = accepted + timedelta(days=1)
                if status == "completed":
                    order_row["completed_at"] = max(order_row["completed_at"], paid_at)
            add("milestones", {
                "id": mid, "order_id": oid, "position": position, "deliverable": deliverable,
                "due_date": due, "amount": amount, "status": m_status,
                "delivered_at": delivered, "accepted_at": accepted, "paid_at": paid_at,
                "last_rejection_reason": ""})
            if delivered:
                add("milestone_deliveries", {
                    "id": self.next_id("milestone_deliveries"), "milestone_id": mid,
                    "notes": "Đã bàn giao sản phẩm và biên bản nghiệm thu kỹ thuật.",
                    "delivered_by_id": solver_owner, "delivered_at": delivered,
                    "verdict": "accepted" if accepted else None, "verdict_reason": "",
                    "decided_by_id": agency["officer"] if accepted else None,
                    "decided_at": accepted})
            if m_status == "paid" or (m_status == "accepted" and rng.random() < 0.5):
                pid = self.next_id("payments")
                add("payments", {
                    "id": pid, "milestone_id": mid, "order_id": oid, "amount": amount,
                    "currency": "VND", "method": "offline",
                    "status": "succeeded" if paid_at else "pending",
                    "reference": f"KBNN-{accepted.year}-{pid:08d}",
                    "paid_on": paid_at.date() if paid_at else None,
                    "idempotency_key": f"bench-{pid}", "stripe_payment_intent_id": None,
                    "failure_message": "", "created_by_id": agency["officer"],
                    "created_at": accepted, "succeeded_at": paid_at})
        if status == "completed":
            done = min(order_row["completed_at"] + timedelta(days=1), self.anchor)
            agency_scores = {f"kpi:{k}": rng.randint(3, 5) for k in kpi_ids}
            solver_scores = {"fairness": rng.randint(3, 5), "clarity": rng.randint(2, 5),
                             "payment_speed": rng.randint(2, 5)}
            for side, scores, by in (("agency", agency_scores, agency["officer"]),
                                     ("solver", solver_scores, solver_owner)):
                average = (Decimal(sum(scores.values())) / len(scores)).quantize(Decimal("0.01"))
                add("ratings", {"id": self.next_id("ratings"), "order_id": oid, "side": side,
                                "scores": scores, "average": average,
                                "comment": "Hợp tác hiệu quả." if average >= 4 else "",
                                "rated_by_id": by, "created_at": done})

    def run(self) -> dict[str, int]:
        with self.sink.engine.connect() as conn:
            if conn.execute(select(func.count()).select_from(
                    self.sink.tables["organizations"])).scalar():
                raise SystemExit("the database already holds organizations: generate into "
                                 "a freshly migrated, empty database")
            self.group_ids = list(conn.execute(text(
                "SELECT id FROM technology_groups ORDER BY id")).scalars())
        if not self.group_ids:
            raise SystemExit("no technology groups: run the migrations first")
        self.text_pools()
        self.actors()
        self.challenges()
        return dict(self.sink.counts)


def migrate(url: str) -> None:
    """The real migrations, as `flask --app wsgi db upgrade` runs them."""
    from flask_migrate import upgrade

    from marketplace import create_app
    from marketplace.extensions import db

    app = create_app({"ENV_NAME": "development", "SQLALCHEMY_DATABASE_URI": url})
    with app.app_context():
        upgrade()
        db.engine.dispose()


def make_engine(url: str):
    engine = create_engine(url)
    if engine.dialect.name == "sqlite":
        @event.listens_for(engine, "connect")
        def _pragmas(dbapi_connection, _record):
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=OFF")
            cursor.execute("PRAGMA cache_size=-200000")
            cursor.close()
    return engine


def finish(engine) -> None:
    """Sequences past the ids given here (PostgreSQL), the dashboard's counters counted
    from the rows inserted in bulk (`dashboard.counters.rebuild`, as `flask dashboard
    rebuild` does) and fresh planner statistics."""
    from sqlalchemy.orm import Session

    from marketplace.dashboard import counters

    with engine.begin() as conn:
        if engine.dialect.name == "postgresql":
            for name in TABLE_ORDER:
                conn.execute(text(
                    f"SELECT setval(pg_get_serial_sequence('{name}', 'id'), "  # noqa: S608
                    f"coalesce((SELECT max(id) FROM {name}), 0) + 1, false)"))
        counters.rebuild(Session(bind=conn))
    if engine.dialect.name == "postgresql":
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text("VACUUM ANALYZE"))
    else:
        with engine.begin() as conn:
            conn.execute(text("ANALYZE"))


def generate(url: str, size: int, seed: int = 7, *, anchor: datetime = DEFAULT_ANCHOR,
             run_migrations: bool = True) -> dict:
    started = time.perf_counter()
    if run_migrations:
        migrate(url)
    migrated = time.perf_counter()
    engine = make_engine(url)
    counts = Generator(Sink(engine), size, seed, anchor).run()
    inserted = time.perf_counter()
    finish(engine)
    engine.dispose()
    done = time.perf_counter()
    rows = sum(counts.values())
    return {"size": size, "seed": seed, "rows": rows, "counts": counts,
            "migrate_s": migrated - started, "insert_s": inserted - migrated,
            "analyze_s": done - inserted, "rows_per_s": rows / (inserted - migrated),
            "dialect": engine.dialect.name}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size", type=int, default=1000, help="number of challenges")
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--anchor", type=date.fromisoformat, default=DEFAULT_ANCHOR.date(),
                        help="the 'today' the data set is built around (UTC date)")
    parser.add_argument("--no-migrate", action="store_true",
                        help="the database is already migrated (and empty)")
    args = parser.parse_args(argv)
    anchor = datetime.combine(args.anchor, datetime.min.time(), tzinfo=UTC)
    result = generate(args.database_url, args.size, args.seed, anchor=anchor,
                      run_migrations=not args.no_migrate)
    for name in TABLE_ORDER:
        print(f"{name:>22} {result['counts'].get(name, 0):>10,}")
    print(f"{result['rows']:,} rows in {result['insert_s']:.1f} s: "
          f"{result['rows_per_s']:,.0f} rows/s ({result['dialect']}; migrations "
          f"{result['migrate_s']:.1f} s, analyze {result['analyze_s']:.1f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
