"""Fuzz a real `warroom serve` on SQLite and PostgreSQL and print issue 12's figures.

    .venv/bin/python bench/fuzz.py [--backends sqlite,postgresql] [--examples 50]
                                   [--intake-cases 100] [--seed 12]

Per backend: a fresh database, `warroom serve`, schemathesis over `/openapi.json` (its
examples, coverage and fuzzing phases; `--examples` per operation and phase) and the
intake mutation fuzzer (`tests/fuzzing.py`); then cases tried per endpoint and the 5xx
count; then secrets found in the server's log, acceptances of a revoked key 100 ms after
its revocation, and requests accepted above a rate limit (`tests/secrets_checks.py`).
The server runs two API processes, so revocation and limits are measured across them.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.conftest import PG_SERVER, throwaway_database
from tests.fuzzing import Tally, Target, fuzz_intake, run_schemathesis, serve
from tests.secrets_checks import exercise_and_scan, rate_limit_run
from tests.secrets_checks import revoked_key_acceptances as revoked_key_acceptances_of


def secrets_in_logs(target: Target) -> int:
    """Secrets (tokens, integration keys, the signing key, ack tokens) found in the
    server's whole log after the fuzzing and a run of every kind of request carrying
    one; target 0."""
    scan = exercise_and_scan(target)
    print(f"  log: {scan.logged_requests} requests logged, {len(scan.handled)} secrets handled")
    return len(scan.found)


def revoked_key_acceptances(target: Target) -> int:
    """Requests accepted with an integration key 100 ms or more after it was revoked,
    spread over both API processes; target 0."""
    accepted, before = revoked_key_acceptances_of(target, settle=0.1)
    print(f"  revocation: {before}/40 accepted before, {accepted}/60 after")
    return accepted


def rate_limit_overruns(target: Target) -> int:
    """Requests accepted above an integration's limit (60 a minute: a burst of 60, then
    one a second) out of 300 sent at once over both processes; target 0."""
    run = rate_limit_run(target)
    print(
        f"  rate limit: {run.accepted}/{run.sent} accepted in {run.seconds:.1f} s "
        f"(allowed {run.allowed}), {run.throttled_without_retry_after} 429s without Retry-After"
    )
    return run.overruns


def report(backend: str, schemathesis: Tally, intake: Tally, target: Target) -> None:
    cases: Counter[str] = schemathesis.cases + intake.cases
    errors: Counter[str] = schemathesis.server_errors + intake.server_errors
    print(f"\n## {backend}")
    print(f"{'endpoint':<62} {'cases':>7} {'5xx':>5}")
    for endpoint in sorted(cases):
        print(f"{endpoint:<62} {cases[endpoint]:>7} {errors[endpoint]:>5}")
    print(
        f"schemathesis: {sum(schemathesis.cases.values())} cases, "
        f"{sum(schemathesis.server_errors.values())} 5xx, "
        f"{len(schemathesis.failures)} failed checks"
    )
    print(
        f"intake fuzzer: {sum(intake.cases.values())} cases, "
        f"{sum(intake.server_errors.values())} 5xx"
    )
    print(f"5xx in all: {sum(errors.values())} of {sum(cases.values())} cases")
    print(f"secrets found in logs: {secrets_in_logs(target)}")
    print(f"revoked-key acceptances after 100 ms: {revoked_key_acceptances(target)}")
    print(f"requests above a rate limit accepted: {rate_limit_overruns(target)}")
    for failure in (schemathesis.failures + intake.failures)[:20]:
        print(f"  {failure}")


def run(backend: str, args: argparse.Namespace, workdir: Path) -> None:
    def measure(target: Target) -> None:
        schemathesis = run_schemathesis(
            target, workdir / "schemathesis", seed=args.seed, max_examples=args.examples
        )
        intake = fuzz_intake(target, seed=args.seed, cases_per_endpoint=args.intake_cases)
        report(backend, schemathesis, intake, target)

    if backend == "sqlite":
        with serve(f"sqlite:///{workdir / 'warroom.db'}", workdir, processes=2) as target:
            measure(target)
        return
    with throwaway_database("warroom_fuzz") as url, serve(url, workdir, processes=2) as target:
        measure(target)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--backends", default="sqlite,postgresql")
    parser.add_argument("--examples", type=int, default=50, help="per operation and phase")
    parser.add_argument("--intake-cases", type=int, default=100, help="per intake endpoint")
    parser.add_argument("--seed", type=int, default=12)
    args = parser.parse_args()
    print(f"PostgreSQL server: {PG_SERVER}")
    for backend in args.backends.split(","):
        with tempfile.TemporaryDirectory(prefix=f"warroom-fuzz-{backend}-") as tmp:
            run(backend, args, Path(tmp))


if __name__ == "__main__":
    main()
