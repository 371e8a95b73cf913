"""What the index holds of each public object: plain dicts, built from the database."""

from __future__ import annotations

import html
import re

import nh3

from marketplace.challenges.models import Challenge
from marketplace.search.analysis import nfc
from marketplace.submissions.models import Submission, SubmissionStatus
from marketplace.templating import markdown_to_html

# Characters that may start Markdown syntax inside a line (and tabs, carriage returns).
_SYNTAX = re.compile(r"[*_`\[\]<>#&\\|!~=+\t\r]")
_BLANK_LINES = re.compile(r"\n{2,}")


def _plain_line(line: str) -> bool:
    """A line Markdown leaves as it is: no list marker, no heading rule, no indent."""
    return bool(line) and line == line.strip() and not line[0].isdigit() \
        and not line.startswith("-")


def _without_syntax(text: str) -> str | None:
    """The plain text of the two shapes most texts here take — paragraphs of plain lines,
    or one list of "- " items — without running Markdown; None for anything else. What
    this returns is exactly what the Markdown path returns (tested with generated texts)."""
    if _SYNTAX.search(text):
        return None
    text = text.strip("\n")
    lines = text.split("\n")
    if all(line.startswith("- ") for line in lines):
        items = [line[2:] for line in lines]
        return "\n".join(items) if all(_plain_line(item) for item in items) else None
    if not all(_plain_line(line) for line in lines if line):
        return None
    return "\n".join(_BLANK_LINES.split(text))


def plain(text: str | None) -> str:
    """Markdown source as the plain text a reader sees (NFC), for words and snippets."""
    simple = _without_syntax(text or "")
    if simple is not None:
        return nfc(simple).strip()
    rendered = markdown_to_html(text or "")
    return nfc(html.unescape(nh3.clean(rendered, tags=set()))).strip()


def challenge_doc_id(challenge_id: int) -> str:
    return f"challenge:{challenge_id}"


def solution_doc_id(submission_id: int) -> str:
    return f"solution:{submission_id}"


def _names(*names: str | None) -> str:
    return nfc(" · ".join(dict.fromkeys(n for n in names if n)))


def _common(challenge: Challenge) -> dict:
    group = challenge.technology_group
    return {
        "challenge_id": challenge.id,
        "status": challenge.status.value,
        "agency": _names(challenge.agency.name_vi, challenge.agency.name_en),
        "agency_id": str(challenge.agency_id),
        "group": _names(group.name_vi, group.name_en) if group else "",
        "group_id": str(challenge.technology_group_id or ""),
    }


def is_indexed_challenge(challenge: Challenge | None) -> bool:
    return challenge is not None and challenge.is_public


def is_indexed_solution(submission: Submission | None) -> bool:
    return (submission is not None and submission.status is SubmissionStatus.AWARDED
            and is_indexed_challenge(submission.challenge))


def challenge_doc(challenge: Challenge) -> dict:
    answered = [c for c in challenge.clarifications if c.is_answered]
    return {
        **_common(challenge),
        "doc_id": challenge_doc_id(challenge.id),
        "type": "challenge",
        "object_id": challenge.id,
        "title": nfc(challenge.title),
        "body": "\n\n".join(filter(None, (plain(challenge.problem),
                                           plain(challenge.expected_outcomes)))),
        "clarifications": "\n\n".join(f"{plain(c.question)} — {plain(c.answer)}"
                                      for c in answered),
        "place": _names(challenge.pilot_site, challenge.province, challenge.sector),
        "solver": "",
    }


def solution_doc(submission: Submission) -> dict:
    challenge = submission.challenge
    org = submission.organization
    return {
        **_common(challenge),
        "doc_id": solution_doc_id(submission.id),
        "type": "solution",
        "object_id": submission.id,
        "title": nfc(challenge.title),
        "body": plain(submission.summary),
        "clarifications": "",
        "place": _names(challenge.pilot_site, challenge.province),
        "solver": _names(org.name_vi, org.name_en),
    }
