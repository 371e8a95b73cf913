"""The API's response models (pydantic) and the OpenAPI 3.1 description generated from
them: `/api/v1/openapi.json` and the index `/api/v1/` are built from `ENDPOINTS` and these
models, never written by hand. `tests/test_api_openapi.py` validates real responses of
every endpoint against the description, so a serializer (`serializers.py`) that drifts
from its model fails the suite.

Amounts are integers in đồng; times are ISO 8601 strings in UTC (`…Z`); calendar dates
`YYYY-MM-DD` are days in Viet Nam."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Generic, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field
from pydantic.json_schema import models_json_schema

T = TypeVar("T")

Time = str  # ISO 8601 in UTC, "2026-05-01T03:00:00Z"
TIME = {"format": "date-time"}
DATE = {"format": "date"}


class Model(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Organization(Model):
    id: int
    name: str = Field(description="Vietnamese name")
    name_en: str | None
    kind: Literal["agency", "startup", "institute", "university", "enterprise"]
    province: str | None


class TechnologyGroup(Model):
    id: int
    code: str
    name: str
    name_en: str | None


class ChallengeRef(Model):
    id: int
    title: str


class Challenge(Model):
    id: int
    ocid: str = Field(description="OCDS contracting process id: OCDS_PREFIX-<id>")
    title: str
    status: Literal["published", "closed", "evaluating", "awarded", "cancelled"]
    agency: Organization
    technology_group: TechnologyGroup | None
    province: str | None
    sector: str | None
    pilot_site: str | None
    budget_ceiling: int | None = Field(description="đồng")
    currency: Literal["VND"]
    published_at: Time | None = Field(json_schema_extra=TIME)
    clarification_deadline: Time | None = Field(json_schema_extra=TIME)
    submission_deadline: Time | None = Field(json_schema_extra=TIME)
    closed_at: Time | None = Field(json_schema_extra=TIME)
    awarded_at: Time | None = Field(json_schema_extra=TIME)
    cancelled_at: Time | None = Field(json_schema_extra=TIME)
    cancel_reason: str | None


class Criterion(Model):
    name: str
    description: str | None
    weight: int = Field(description="percent")


class Clarification(Model):
    question: str
    answer: str | None
    answered_at: Time | None = Field(json_schema_extra=TIME)


class Bids(Model):
    count: int
    disqualified: int


class RedFlag(Model):
    kind: str = Field(description="a red flag's kind, defined at /methodology")
    detail: dict[str, Any] = Field(description="the figures that made it fire")
    raised_at: Time | None = Field(json_schema_extra=TIME)
    milestone_id: int | None
    solver_id: int | None
    computed_at: Time | None = Field(json_schema_extra=TIME)


class ChallengeDetail(Challenge):
    problem: str
    expected_outcomes: str | None
    pilot_duration_months: int | None
    eligible_kinds: list[str]
    consortia_allowed: bool
    parallel_pilots_allowed: bool
    blind_review: bool
    criteria: list[Criterion]
    clarifications: list[Clarification] = Field(description="answered ones, without the asker")
    bids: Bids | None = Field(description="null until the submission deadline has passed")
    awards: list[int] = Field(description="ids of the approved award decisions")
    orders: list[int] = Field(description="ids of the signed pilot orders")
    red_flags: list[RedFlag]


class OpeningEntry(Model):
    number: int
    receipt_digest: str = Field(description="SHA-256 of the solver's receipt")
    submitted_at: Time | None = Field(json_schema_extra=TIME)
    organizations: list[str] | None = Field(description="lead first; null until disclosed")
    proposed_price: int | None = Field(description="đồng; null until disclosed")


class OpeningRecord(Model):
    challenge_id: int
    closed_at: Time | None = Field(json_schema_extra=TIME)
    submission_deadline: Time | None = Field(json_schema_extra=TIME)
    count: int
    names_disclosed: bool
    prices_disclosed: bool
    currency: Literal["VND"]
    entries: list[OpeningEntry]


class AwardItem(Model):
    id: int
    solver: Organization
    amount: int = Field(description="đồng")
    rank: int | None
    score: str | None = Field(description="weighted score, a decimal number as text")
    not_top_ranked_reason: str | None


class Award(Model):
    id: int
    challenge: ChallengeRef
    decided_at: Time | None = Field(json_schema_extra=TIME)
    total_amount: int = Field(description="đồng")
    currency: Literal["VND"]
    justification: str | None
    items: list[AwardItem]


class Order(Model):
    id: int
    contract_number: str | None
    challenge: ChallengeRef
    award_item_id: int | None
    agency: Organization
    solver: Organization
    value: int = Field(description="đồng")
    paid: int = Field(description="đồng, succeeded payments")
    currency: Literal["VND"]
    start_date: str = Field(json_schema_extra=DATE)
    end_date: str = Field(json_schema_extra=DATE)
    status: Literal["signed", "active", "completed", "terminated"]
    version: int
    signed_at: Time | None = Field(json_schema_extra=TIME)
    active_at: Time | None = Field(json_schema_extra=TIME)
    completed_at: Time | None = Field(json_schema_extra=TIME)
    terminated_at: Time | None = Field(json_schema_extra=TIME)
    termination_reason: str | None
    scale_up_recommended: bool | None
    kind: Literal["pilot", "follow_on"] = Field(
        description="pilot: carries out an award; follow_on: bought again from a catalogue "
                    "entry (issue 17)")
    follows_order_id: int | None = Field(description="the proven pilot a follow-on order "
                                                     "buys again")
    quantity: int | None = Field(description="units bought by a follow-on order")


class Kpi(Model):
    name: str
    target: str


class Milestone(Model):
    id: int
    position: int = Field(description="number within the order, from 1")
    deliverable: str
    due_date: str = Field(json_schema_extra=DATE)
    amount: int = Field(description="đồng")
    status: Literal["planned", "accepted", "paid"] = Field(
        description="a delivered milestone shows as planned until the agency accepts it")
    accepted_at: Time | None = Field(json_schema_extra=TIME)
    paid_at: Time | None = Field(json_schema_extra=TIME)


class TreasuryOrder(Model):
    treasury: str | None
    budget_unit_code: str | None
    number: str
    date: str | None = Field(json_schema_extra=DATE)


class Payment(Model):
    id: int
    milestone_id: int | None
    amount: int = Field(description="đồng")
    currency: str
    method: Literal["offline", "stripe"]
    paid_on: str | None = Field(json_schema_extra=DATE)
    succeeded_at: Time | None = Field(json_schema_extra=TIME)
    treasury_payment_order: TreasuryOrder | None


class OrderDetail(Order):
    kpis: list[Kpi]
    milestones: list[Milestone]
    payments: list[Payment]
    red_flags: list[RedFlag]


class Meta(Model):
    page: int
    per_page: int
    total: int
    pages: int


class Links(Model):
    self: str
    next: str | None
    prev: str | None


class Page(Model, Generic[T]):
    data: list[T]
    meta: Meta
    links: Links


class Error(Model):
    error: str = Field(description="in the reader's language (Vietnamese by default)")


class EndpointInfo(Model):
    path: str
    summary: str
    url: str


class Index(Model):
    name: str
    version: str
    openapi: str
    documentation: str
    endpoints: list[EndpointInfo]


# --- the endpoints ------------------------------------------------------------------------

@dataclass(frozen=True)
class Param:
    name: str
    description: str
    kind: str = "integer"  # or "string"
    enum: tuple[str, ...] = ()
    in_: str = "query"


PAGING = (Param("page", "page number, 1 to 10 (deeper pages: follow `links.next`)"),
          Param("per_page", "rows per page, 1 to 100 (default 20; more reads as 100)"),
          Param("after", "opaque cursor of `links.next` past page 10: the rows after it "
                "(keyset; its cost does not grow with the page's position)", "string"),
          Param("before", "opaque cursor of `links.prev` past page 10: the rows before it",
                "string"))
ID = Param("id", "the object's id", in_="path")


@dataclass(frozen=True)
class Endpoint:
    path: str  # OpenAPI form: /challenges/{id}
    endpoint: str  # Flask endpoint
    summary: str
    model: Any
    params: tuple[Param, ...] = field(default=())


ENDPOINTS = (
    Endpoint("/challenges", "api.challenges", "Public challenges, newest first",
             Page[Challenge], (*PAGING, Param(
                 "q", "words in the title or problem", "string"),
                 Param("status", "status", "string", ("published", "closed", "evaluating",
                                                      "awarded", "cancelled")),
                 Param("group", "technology group id"), Param("agency", "agency id"))),
    Endpoint("/challenges/{id}", "api.challenge", "One public challenge", ChallengeDetail,
             (ID,)),
    Endpoint("/challenges/{id}/opening-record", "api.opening_record",
             "The opening record, published at the close (404 before)", OpeningRecord, (ID,)),
    Endpoint("/awards", "api.awards", "Approved award decisions", Page[Award],
             (*PAGING, Param("challenge", "challenge id"))),
    Endpoint("/awards/{id}", "api.award", "One approved award decision", Award, (ID,)),
    Endpoint("/orders", "api.orders", "Signed pilot orders with the amount paid", Page[Order],
             (*PAGING, Param("challenge", "challenge id"), Param("agency", "agency id"),
              Param("solver", "solver id"))),
    Endpoint("/orders/{id}", "api.order", "One signed pilot order with its KPIs, milestones "
             "and payments", OrderDetail, (ID,)),
)

ERRORS = {"400": "a malformed parameter", "404": "not found, or not public",
          "405": "any method but GET (the Allow header lists GET, HEAD, OPTIONS)",
          "429": "too many requests from this address (see the RateLimit-* headers)"}


def openapi(server_url: str) -> dict:
    """The OpenAPI 3.1 document of the API at `server_url` (…/api/v1), its schemas
    generated from the pydantic models."""
    models = [e.model for e in ENDPOINTS] + [Error, Index]
    keys, defs = models_json_schema([(m, "serialization") for m in models],
                                    ref_template="#/components/schemas/{model}")
    schemas = defs.get("$defs", {})
    headers = {
        "ETag": {"description": "the public data version (weak)", "schema": {"type": "string"}},
        "Last-Modified": {"description": "when the public data last changed",
                          "schema": {"type": "string"}},
        "Access-Control-Allow-Origin": {"schema": {"const": "*"}},
        "RateLimit-Limit": {"schema": {"type": "integer"}},
        "RateLimit-Remaining": {"schema": {"type": "integer"}},
        "RateLimit-Reset": {"description": "seconds", "schema": {"type": "integer"}},
    }

    def ref(model) -> dict:
        return keys[(model, "serialization")]

    paths: dict[str, dict] = {}
    for e in ENDPOINTS:
        parameters = [{"name": p.name, "in": p.in_, "required": p.in_ == "path",
                       "description": p.description,
                       "schema": ({"type": "integer", "minimum": 0} if p.kind == "integer"
                                  else {"type": "string", **({"enum": list(p.enum)}
                                                             if p.enum else {})})}
                      for p in e.params]
        responses = {"200": {"description": "OK", "headers": headers,
                             "content": {"application/json": {"schema": ref(e.model)}}},
                     "304": {"description": "Not modified (If-None-Match holds the ETag)"}}
        responses.update({code: {"description": text, "content": {
            "application/json": {"schema": ref(Error)}}} for code, text in ERRORS.items()})
        paths[e.path] = {"get": {"operationId": e.endpoint.split(".", 1)[1],
                                 "summary": e.summary, "parameters": parameters,
                                 "responses": responses}}
    paths["/"] = {"get": {"operationId": "index", "summary": "This API's endpoints",
                          "responses": {"200": {"description": "OK", "content": {
                              "application/json": {"schema": ref(Index)}}}}}}
    paths["/openapi.json"] = {"get": {"operationId": "openapi",
                                      "summary": "This description (OpenAPI 3.1)",
                                      "responses": {"200": {"description": "OK"}}}}
    return {
        "openapi": "3.1.0",
        "jsonSchemaDialect": "https://spec.openapis.org/oas/3.1/dialect/base",
        "info": {"title": "First Customer Marketplace — open data API", "version": "1",
                 "description": "Read-only, public, no account. Amounts in đồng (VND); "
                                "times in UTC (ISO 8601); dates are days in Viet Nam. "
                                "See docs/api.md.",
                 "license": {"name": "CC BY 4.0",
                             "url": "https://creativecommons.org/licenses/by/4.0/"}},
        "servers": [{"url": server_url}],
        "paths": paths,
        "components": {"schemas": schemas},
    }
