"""schemathesis over `/openapi.json` and a fuzzer over the intake endpoints, against a real
`warroom serve` on SQLite and on PostgreSQL (issue 12): no 5xx, and every answer as the
OpenAPI document declares it (status code and body). Bounded: a fixed seed and a few
examples per operation, so that the run takes a few minutes on a loaded 2-core machine;
`bench/fuzz.py` runs the same with more cases and prints the figures."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import throwaway_database
from tests.fuzzing import Target, fuzz_intake, run_schemathesis, serve
from tests.secrets_checks import exercise_and_scan, rate_limit_run, revoked_key_acceptances

pytestmark = pytest.mark.slow

SEED = 12
EXAMPLES = 4
INTAKE_CASES = 30


@pytest.fixture(
    scope="module", params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]
)
def target(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Target]:
    workdir = tmp_path_factory.mktemp(f"fuzz-{request.param}")
    if request.param == "sqlite":
        with serve(f"sqlite:///{workdir / 'warroom.db'}", workdir, processes=2) as running:
            yield running
        return
    with throwaway_database("warroom_fuzz") as url, serve(url, workdir, processes=2) as running:
        yield running


def test_schemathesis_finds_no_server_error_and_no_contract_violation(
    target: Target, tmp_path: Path
) -> None:
    tally = run_schemathesis(target, tmp_path, seed=SEED, max_examples=EXAMPLES)
    assert sum(tally.cases.values()) > 500, tally.cases
    assert not tally.server_errors, (tally.server_errors, target.server_errors_logged()[:3])
    assert not tally.failures, "\n".join(tally.failures[:20])
    assert not target.server_errors_logged()


def test_intake_fuzzing_finds_no_server_error(target: Target) -> None:
    tally = fuzz_intake(target, seed=SEED, cases_per_endpoint=INTAKE_CASES)
    assert len(tally.cases) == 6
    assert not tally.server_errors, "\n".join(tally.failures[:10])
    assert not target.server_errors_logged()


def test_a_revoked_key_is_refused_by_every_process_within_100_ms(target: Target) -> None:
    accepted_after, accepted_before = revoked_key_acceptances(target, settle=0.1)
    assert accepted_before == 40  # it worked, in both processes, until revoked
    assert accepted_after == 0


def test_a_rate_limit_holds_across_processes(target: Target) -> None:
    run = rate_limit_run(target, per_minute=60, sent=300)
    assert run.accepted >= 60  # the burst passes
    assert run.overruns == 0, run
    assert run.throttled_without_retry_after == 0


def test_no_secret_reaches_the_log(target: Target) -> None:
    """Last in this module: the whole log of the fuzzing above is searched too."""
    scan = exercise_and_scan(target)
    assert scan.logged_requests > 20  # the access log is on: requests were logged
    assert len(scan.handled) >= 9
    assert scan.found == []
