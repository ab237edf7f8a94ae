"""GET /api/v1/stats: every figure of the scenario in tests/record_scenario.py, exactly,
on every storage backend."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from alteram.services import stats
from alteram.services.context import Context
from conftest import FakeClock
from record_scenario import Record, build

NONE_RULED = {
    "no_action": 0,
    "context_note": 0,
    "label": 0,
    "reduced_distribution": 0,
    "age_gate": 0,
    "geo_restriction": 0,
    "removal": 0,
}


@pytest.fixture
def record(ctx: Context, clock: FakeClock) -> Record:
    return build(ctx, clock)


@pytest.fixture
def body(record: Record, client: TestClient) -> dict[str, Any]:
    r = client.get("/api/v1/stats")
    assert r.status_code == 200, r.text
    return dict(r.json())


def test_months_and_total(body: dict[str, Any]) -> None:
    assert list(body["months"]) == ["2026-11", "2026-12"]
    assert body["generated_at"] == "2026-12-01T00:00:00Z"
    assert "incompatible" in body["notes"]["refused_orders_by_jurisdiction"]


def test_cases_opened_and_reports_received_by_category(body: dict[str, Any]) -> None:
    nov, dec, total = body["months"]["2026-11"], body["months"]["2026-12"], body["total"]
    five = {"incitement": 1, "harassment": 1, "defamation": 1, "threat": 1, "privacy": 1}
    assert nov["cases_opened"] == {"total": 5, "by_category": five}
    assert dec["cases_opened"] == {"total": 1, "by_category": {"spam": 1}}
    assert total["cases_opened"] == {"total": 6, "by_category": {**five, "spam": 1}}
    nov_reports = {"incitement": 12, "harassment": 2, "defamation": 1, "threat": 1, "privacy": 1}
    assert nov["reports_received"] == {"total": 17, "by_category": nov_reports}
    assert total["reports_received"]["total"] == 18


def test_decisions_by_category_and_outcome_and_remedies(body: dict[str, Any]) -> None:
    nov, dec = body["months"]["2026-11"], body["months"]["2026-12"]
    assert nov["decisions"] == {
        "total": 5,
        "by_outcome": {"violation": 2, "no_violation": 3},
        "by_category": {
            "defamation": {"violation": 0, "no_violation": 1},  # reversed on appeal
            "harassment": {"violation": 1, "no_violation": 0},
            "incitement": {"violation": 0, "no_violation": 1},
            "privacy": {"violation": 1, "no_violation": 0},
            "threat": {"violation": 0, "no_violation": 1},
        },
    }
    assert nov["remedies"] == {**NONE_RULED, "no_action": 3, "removal": 1, "geo_restriction": 1}
    assert dec["decisions"] == {
        "total": 0,
        "by_outcome": {"violation": 0, "no_violation": 0},
        "by_category": {},
    }
    assert dec["remedies"] == NONE_RULED


def test_median_time_to_first_ruling(body: dict[str, Any]) -> None:
    # A 3 h, B 4 h, C 8 h, E 2 h, D 169 h (7 days of hearing + 1 h): the median is 4 h.
    assert body["months"]["2026-11"]["time_to_first_ruling"] == {"rulings": 5, "median_hours": 4.0}
    assert body["months"]["2026-12"]["time_to_first_ruling"] == {
        "rulings": 0,
        "median_hours": None,
    }
    assert body["total"]["time_to_first_ruling"]["median_hours"] == 4.0


def test_appeal_and_reversal_rates(body: dict[str, Any]) -> None:
    assert body["months"]["2026-11"]["appeals"] == {
        "first_rulings": 5,
        "appealed": 1,
        "appeal_rate": 0.2,
        "appeal_rulings": 1,
        "reversed": 1,
        "reversal_rate": 1.0,
    }
    assert body["months"]["2026-12"]["appeals"]["appeal_rate"] is None  # nothing to divide


def test_interim_measures_and_how_they_ended(body: dict[str, Any]) -> None:
    assert body["total"]["interim_measures"] == {
        "applied": 2,
        "by_category": {"threat": 1, "privacy": 1},
        "outcomes": {"expired": 1, "ruling": 1, "in_force": 0},
    }


def test_reports_per_case_shows_the_campaign(body: dict[str, Any]) -> None:
    assert body["months"]["2026-11"]["reports_per_case"] == {
        "cases": 5,
        "min": 1,
        "median": 1.0,
        "max": 12,
        "over_10": 1,
    }
    assert body["total"]["reports_per_case"] == {
        "cases": 6,
        "min": 1,
        "median": 1.0,
        "max": 12,
        "over_10": 1,
    }


def test_refused_orders_are_empty_not_invented(body: dict[str, Any]) -> None:
    # no order in this record (tests/test_orders.py counts real ones)
    assert body["total"]["refused_orders_by_jurisdiction"] == {}
    assert body["total"]["orders"]["received"] == 0
    assert all(m["refused_orders_by_jurisdiction"] == {} for m in body["months"].values())


def test_an_empty_instance(ctx: Context) -> None:
    out = stats.compute(ctx)
    assert out["months"] == {}
    total = out["total"]
    assert total["cases_opened"]["total"] == 0 and total["decisions"]["total"] == 0
    assert total["time_to_first_ruling"]["median_hours"] is None
    assert total["reports_per_case"] == {
        "cases": 0,
        "min": None,
        "median": None,
        "max": None,
        "over_10": 0,
    }
    assert total["appeals"]["appeal_rate"] is None


def test_a_median_of_an_even_count_is_the_mean_of_the_middle_two() -> None:
    b = stats.Bucket(report_counts=[1, 2, 3, 10], hours_to_first_ruling=[1.0, 2.5])
    out = b.to_dict()
    assert out["reports_per_case"]["median"] == 2.5
    assert out["time_to_first_ruling"]["median_hours"] == 1.75
