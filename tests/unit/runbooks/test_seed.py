"""Golden test: the customer's real runbook (escaped fences, mojibake and all), as the model."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from warroom.runbooks.model import Phase, Runbook
from warroom.runbooks.parser import ParseResult, parse_runbook

SEED = Path(__file__).parents[2] / "fixtures" / "runbooks" / "seed.md"
MIN = timedelta(minutes=1)
HOUR = timedelta(hours=1)


@pytest.fixture(scope="module")
def result() -> ParseResult:
    return parse_runbook(SEED.read_bytes())


@pytest.fixture(scope="module")
def runbook(result: ParseResult) -> Runbook:
    return result.runbook


def _phase(runbook: Runbook, key: str) -> Phase:
    phase = runbook.phase(key)
    assert phase is not None, key
    return phase


def _items(phase: Phase, title: str) -> list[str]:
    checklist = next(c for c in phase.checklists if c.title == title)
    return [item.text for item in checklist.items]


def test_seed_fixture_is_the_unmodified_customer_file() -> None:
    raw = SEED.read_bytes()
    assert b"\\`\\`\\`bash" in raw
    assert "ðŸš¨".encode() in raw
    assert b"$(date +%Y-%m-%d)" in raw


def test_findings_are_the_seed_quirks_and_missing_windows(result: ParseResult) -> None:
    assert result.errors == []
    codes = [(f.line, f.level, f.code) for f in result.findings]
    assert codes == [
        (59, "info", "escaped-fences-repaired"),
        (101, "warning", "phase-without-window"),
        (115, "info", "mojibake-repaired"),
        (131, "warning", "phase-without-window"),
        (255, "warning", "unexpanded-substitution"),
    ]


def test_title_and_description(runbook: Runbook) -> None:
    assert runbook.title == "Incident Response Runbook"
    assert runbook.description.startswith("Production incident response procedures")


def test_severities(runbook: Runbook) -> None:
    got = [
        (s.name, s.rank, s.aliases, s.response_time, s.next_business_day)
        for s in runbook.severities
    ]
    assert got == [
        ("SEV-1", 1, ["critical"], 15 * MIN, False),
        ("SEV-2", 2, ["high"], HOUR, False),
        ("SEV-3", 3, ["medium"], 4 * HOUR, False),
        ("SEV-4", 4, ["low"], None, True),
    ]
    sev1 = runbook.severities[0]
    assert sev1.description == "Critical - Service down"
    assert sev1.example == "Complete outage, data breach"
    assert runbook.severity("critical").name == "SEV-1"
    assert runbook.severity("sev1").name == "SEV-1"


def test_seven_phases_with_windows(runbook: Runbook) -> None:
    got = [
        (p.number, p.name, p.window.kind, p.window.anchor, p.window.start, p.window.end)
        for p in runbook.phases
    ]
    assert got == [
        (1, "Detection", "range", "declaration", timedelta(0), 5 * MIN),
        (2, "Triage", "range", "declaration", 5 * MIN, 15 * MIN),
        (3, "Investigation", "range", "declaration", 15 * MIN, 60 * MIN),
        (4, "Mitigation", "immediate", "declaration", timedelta(0), timedelta(0)),
        (5, "Communication", "unspecified", "declaration", None, None),
        (6, "Resolution", "unspecified", "declaration", None, None),
        (7, "Postmortem", "within", "resolution", timedelta(0), 48 * HOUR),
    ]
    assert [p.window.text for p in runbook.phases] == [
        "0-5 minutes",
        "5-15 minutes",
        "15-60 minutes",
        "Immediate",
        "",
        "",
        "Within 48 hours",
    ]


def test_detection(runbook: Runbook) -> None:
    detection = _phase(runbook, "detection")
    assert detection.info_lists[0].title == "Automatic Detection"
    assert detection.info_lists[0].items == [
        "Monitoring alerts (PagerDuty, Datadog)",
        "Health check failures",
        "Error rate spikes",
        "Customer reports",
    ]
    assert _items(detection, "Initial Actions") == [
        "Acknowledge the alert",
        "Assess severity",
        "Open incident channel in Slack: #incident-YYYY-MM-DD-NNNN",
    ]
    assert detection.checklists[0].kind == "steps"
    assert detection.checklists[0].items[2].code == ["#incident-YYYY-MM-DD-NNNN"]


def test_triage(runbook: Runbook) -> None:
    triage = _phase(runbook, "triage")
    assert _items(triage, "Incident Commander Actions") == [
        "Declare incident: /incident-declare sev-1",
        "Assemble team",
        "Set up war room: Zoom link in incident channel",
        "Start incident log: Document timeline in real-time",
    ]
    assemble = triage.checklists[0].items[1]
    assert assemble.label == "Assemble team"
    assert [(c.text, c.severities) for c in assemble.children] == [
        ("Engineering lead", None),
        ("On-call engineer", None),
        ("Product manager (SEV-1/2)", ["SEV-1", "SEV-2"]),
        ("Communications lead (SEV-1)", ["SEV-1"]),
    ]
    assert triage.checklists[0].items[0].label == "Declare incident"
    assert triage.checklists[0].items[0].code == ["/incident-declare sev-1"]
    assert triage.questions == [
        "What is the user impact?",
        "How many users affected?",
        "What systems are impacted?",
        "Is data at risk?",
        "Is this a security incident?",
    ]


def test_roles(runbook: Runbook) -> None:
    assert [(r.role, r.label, r.severities) for r in runbook.roles] == [
        ("engineering_lead", "Engineering lead", None),
        ("on_call_engineer", "On-call engineer", None),
        ("product_manager", "Product manager", ["SEV-1", "SEV-2"]),
        ("communications_lead", "Communications lead", ["SEV-1"]),
    ]
    assert runbook.required_roles("SEV-1") == [
        "engineering_lead",
        "on_call_engineer",
        "product_manager",
        "communications_lead",
    ]
    assert runbook.required_roles("SEV-3") == ["engineering_lead", "on_call_engineer"]


def test_investigation(runbook: Runbook) -> None:
    investigation = _phase(runbook, "investigation")
    checklist = investigation.checklists[0]
    assert checklist.kind == "checkbox"
    assert all(item.checkbox and not item.checked for item in checklist.items)
    assert [i.text for i in checklist.items] == [
        "Check recent deployments (last 24 hours)",
        "Review error logs and traces",
        "Check infrastructure metrics (CPU, memory, disk)",
        "Verify third-party service status",
        "Check database performance",
        "Review security alerts",
    ]
    (block,) = investigation.code_blocks
    assert block.language == "bash"
    assert block.label == "Investigation Commands"
    assert [(c.description, c.text) for c in block.commands] == [
        (
            "Check recent deployments",
            "kubectl get deployments -n production --sort-by=.metadata.creationTimestamp",
        ),
        (
            "View error logs",
            "kubectl logs -f deployment/api-service -n production --since=1h | grep ERROR",
        ),
        ("Check resource usage", "kubectl top pods -n production"),
        ("Database queries", "psql -c \"SELECT * FROM pg_stat_activity WHERE state = 'active';\""),
    ]


def test_mitigation_quick_wins(runbook: Runbook) -> None:
    mitigation = _phase(runbook, "mitigation")
    assert _items(mitigation, "Quick Wins (Try First)") == [
        "Rollback recent deployment",
        "Disable feature flag",
        "Scale up resources",
        "Clear cache",
        "Restart service (last resort)",
    ]
    assert [(b.label, [c.text for c in b.commands]) for b in mitigation.code_blocks] == [
        ("Rollback recent deployment", ["/rollback-emergency api-service"]),
        ("Disable feature flag", ["/feature-flag-toggle problematic-feature off"]),
        (
            "Scale up resources",
            ["kubectl scale deployment api-service --replicas=10 -n production"],
        ),
        ("Clear cache", ["redis-cli FLUSHALL"]),
        ("Restart service", ["kubectl rollout restart deployment/api-service -n production"]),
    ]


def test_five_mitigation_actions(runbook: Runbook) -> None:
    mitigations = [a for a in runbook.actions if a.kind == "mitigation"]
    got = [
        (a.name, a.runner, a.argv, [(p.name, p.type, p.default, p.choices) for p in a.parameters])
        for a in mitigations
    ]
    assert got == [
        (
            "rollback_recent_deployment",
            "exec",
            ["/rollback-emergency", "{service}"],
            [("service", "string", "api-service", [])],
        ),
        (
            "disable_feature_flag",
            "exec",
            ["/feature-flag-toggle", "{flag}", "{state}"],
            [
                ("flag", "string", "problematic-feature", []),
                ("state", "choice", "off", ["on", "off"]),
            ],
        ),
        (
            "scale_up_resources",
            "exec",
            [
                "kubectl",
                "scale",
                "deployment",
                "{service}",
                "--replicas={replicas}",
                "-n",
                "{namespace}",
            ],
            [
                ("service", "string", "api-service", []),
                ("replicas", "int", 10, []),
                ("namespace", "string", "production", []),
            ],
        ),
        ("clear_cache", "exec", ["redis-cli", "FLUSHALL"], []),
        (
            "restart_service",
            "exec",
            ["kubectl", "rollout", "restart", "deployment/{service}", "-n", "{namespace}"],
            [("service", "string", "api-service", []), ("namespace", "string", "production", [])],
        ),
    ]
    assert all(a.phase == "mitigation" for a in mitigations)


def test_diagnostic_and_other_actions(runbook: Runbook) -> None:
    got = [(a.name, a.kind, a.runner, a.phase, a.incident_type) for a in runbook.actions]
    assert got == [
        ("check_recent_deployments", "diagnostic", "exec", "investigation", None),
        ("view_error_logs", "diagnostic", "shell", "investigation", None),
        ("check_resource_usage", "diagnostic", "exec", "investigation", None),
        ("database_queries", "diagnostic", "exec", "investigation", None),
        ("rollback_recent_deployment", "mitigation", "exec", "mitigation", None),
        ("disable_feature_flag", "mitigation", "exec", "mitigation", None),
        ("scale_up_resources", "mitigation", "exec", "mitigation", None),
        ("clear_cache", "mitigation", "exec", "mitigation", None),
        ("restart_service", "mitigation", "exec", "mitigation", None),
        ("postmortem_template", "procedure", "exec", "postmortem", None),
        ("check_slow_queries", "diagnostic", "sql", None, "database_issues"),
        ("check_locks", "diagnostic", "sql", None, "database_issues"),
    ]
    locks = runbook.action("check_locks")
    assert locks is not None
    assert locks.script == "SELECT * FROM pg_locks WHERE NOT granted;"
    postmortem = runbook.action("postmortem_template")
    assert postmortem is not None
    assert postmortem.parameters[0].name == "incident"
    assert postmortem.parameters[0].default == "incident-2025-11-01-001"


def test_communication_cadences(runbook: Runbook) -> None:
    internal, external = runbook.communication.internal, runbook.communication.external
    assert internal is not None and external is not None
    assert internal.severities is None
    assert [(r.trigger, r.after, r.every, r.message) for r in internal.rules] == [
        ("at", 15 * MIN, None, "Initial status in #incidents"),
        ("every", None, 30 * MIN, "Updates in incident channel"),
        ("on_resolve", None, None, "Final summary"),
    ]
    assert internal.rules[0].channel == "#incidents"
    assert external.severities == ["SEV-1", "SEV-2"]
    assert [(r.trigger, r.after, r.every, r.message) for r in external.rules] == [
        ("at", 30 * MIN, None, "Status page update"),
        ("every", None, HOUR, "Customer email/tweet"),
        ("on_resolve", None, None, "Detailed explanation"),
    ]
    assert [c.audience for c in runbook.communication.cadences_for("SEV-3")] == ["internal"]


def test_update_template(runbook: Runbook) -> None:
    template = runbook.communication.template
    assert template is not None
    assert template.header == "🚨 INCIDENT UPDATE [SEV-1] [HH:MM UTC]"
    assert [(f.name, f.key, f.kind) for f in template.fields] == [
        ("Status", "status", "choice"),
        ("Impact", "impact", "text"),
        ("Affected", "affected", "text"),
        ("ETA", "eta", "text"),
        ("Next Update", "next_update", "text"),
        ("Actions Taken", "actions_taken", "list"),
        ("Current Status", "current_status", "block"),
    ]
    status = template.field("status")
    assert status is not None
    assert status.options == ["Investigating", "Identified", "Monitoring", "Resolved"]
    impact = template.field("impact")
    assert impact is not None and impact.placeholder == "Description of user impact"


def test_resolution_and_postmortem(runbook: Runbook) -> None:
    resolution = _phase(runbook, "resolution")
    assert _items(resolution, "Verification Checklist") == [
        "Error rate back to baseline",
        "Latency normal",
        "All health checks passing",
        "Customer reports resolved",
        "Monitoring shows stable state",
        "No follow-up alerts",
    ]
    assert _items(resolution, "Resolution Actions") == [
        "Monitor for 15-30 minutes",
        "Announce resolution in all channels",
        "Update status page",
        "Thank the team",
        "Schedule postmortem",
    ]
    postmortem = _phase(runbook, "postmortem")
    sections = next(c for c in postmortem.checklists if c.title == "Required Sections")
    assert [(i.label, i.text) for i in sections.items] == [
        ("Summary", "Summary: What happened in 1-2 paragraphs"),
        ("Timeline", "Timeline: Detailed event timeline"),
        ("Root Cause", "Root Cause: Technical root cause analysis"),
        ("Impact", "Impact: Users affected, revenue lost, duration"),
        ("Resolution", "Resolution: How it was fixed"),
        ("Action Items", "Action Items: Prevent recurrence"),
    ]
    assert [(c.text, c.checkbox) for c in sections.items[-1].children] == [
        ("Immediate fixes (this week)", True),
        ("Short-term improvements (this month)", True),
        ("Long-term enhancements (this quarter)", True),
    ]


def test_escalation_matrix(runbook: Runbook) -> None:
    policy = runbook.escalation
    assert policy.source == "runbook"
    got = [(s.after, s.verb, s.target, s.target_key, s.severities) for s in policy.steps]
    assert got == [
        (timedelta(0), "page", "On-call engineer", "on_call_engineer", None),
        (15 * MIN, "notify", "Engineering lead", "engineering_lead", None),
        (30 * MIN, "notify", "VP Engineering", "vp_engineering", ["SEV-1"]),
        (HOUR, "notify", "CTO", "cto", ["SEV-1"]),
        (2 * HOUR, "notify", "CEO", "ceo", ["SEV-1"]),
    ]
    assert [s.target_key for s in policy.steps_for("SEV-2")] == [
        "on_call_engineer",
        "engineering_lead",
    ]


def test_incident_types(runbook: Runbook) -> None:
    got = [(t.key, t.symptoms, t.resolution) for t in runbook.incident_types]
    assert got == [
        (
            "database_issues",
            ["Slow queries", "Connection pool exhausted", "Deadlocks"],
            [
                "Kill long-running queries",
                "Add missing indexes",
                "Scale database resources",
                "Optimize problematic queries",
            ],
        ),
        (
            "high_traffic_spike",
            ["Increased latency", "Timeouts", "CPU/memory saturation"],
            [
                "Scale horizontally (add pods)",
                "Enable caching",
                "Rate limiting",
                "CDN for static assets",
            ],
        ),
        (
            "third_party_service_down",
            ["Timeouts to external APIs", "Circuit breaker open"],
            [
                "Check service status pages",
                "Enable fallback/degraded mode",
                "Use cached data",
                "Queue requests for retry",
            ],
        ),
    ]
    (query_block,) = runbook.incident_types[0].investigation
    assert query_block.language == "sql"
    assert [c.description for c in query_block.commands] == ["Check slow queries", "Check locks"]


def test_access_links_contacts_metadata(runbook: Runbook) -> None:
    assert runbook.required_access == [
        "AWS Console (production)",
        "Kubernetes cluster (kubectl)",
        "Database (psql, read-only)",
        "Monitoring (Datadog, Grafana)",
        "Logs (Elasticsearch/Kibana)",
        "PagerDuty",
    ]
    assert [(q.label, q.url) for q in runbook.quick_links] == [
        ("Status Page", "https://status.example.com"),
        ("Grafana Dashboards", "https://grafana.example.com"),
        ("Datadog APM", "https://app.datadoghq.com"),
        ("Runbooks", "https://runbooks.example.com"),
    ]
    assert [(c.role_key, c.contact, c.phone) for c in runbook.contacts] == [
        ("on_call_engineer", "PagerDuty", None),
        ("engineering_lead", "@eng-lead", "xxx-xxx-xxxx"),
        ("vp_engineering", "@vp-eng", "xxx-xxx-xxxx"),
        ("cto", "@cto", "xxx-xxx-xxxx"),
    ]
    meta = runbook.metadata
    assert (meta.version, meta.owner) == ("2.0", "SRE Team")
    assert meta.last_updated is None
    assert meta.last_updated_text == "$(date +%Y-%m-%d)"


def test_model_round_trips_through_json(runbook: Runbook) -> None:
    assert Runbook.model_validate_json(runbook.model_dump_json()) == runbook
