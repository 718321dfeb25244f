"""Runbooks written in other styles: P1-P5, Critical/High/..., reordered columns, list policies."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from warroom.runbooks.parser import ParseResult, parse_runbook

FIXTURES = Path(__file__).parents[2] / "fixtures" / "runbooks"
MIN = timedelta(minutes=1)
HOUR = timedelta(hours=1)


def _parse(name: str) -> ParseResult:
    return parse_runbook((FIXTURES / name).read_bytes())


def test_p1_to_p5_with_reordered_extra_columns() -> None:
    result = _parse("priorities_p1_p5.md")
    assert result.findings == []
    runbook = result.runbook
    assert [(s.name, s.response_time, s.next_business_day) for s in runbook.severities] == [
        ("P1", 5 * MIN, False),
        ("P2", 30 * MIN, False),
        ("P3", 2 * HOUR, False),
        ("P4", timedelta(days=1), False),
        ("P5", None, True),
    ]
    assert runbook.severities[0].description == "Outage - checkout unavailable"
    assert runbook.severities[0].example == "Payments failing for everyone"
    assert runbook.severity("p2").name == "P2"
    assert runbook.severity("1").name == "P1"


def test_stage_headings_and_windows() -> None:
    runbook = _parse("priorities_p1_p5.md").runbook
    got = [(p.number, p.key, p.window.kind, p.window.start, p.window.end) for p in runbook.phases]
    assert got == [
        (1, "detect", "range", timedelta(0), 5 * MIN),
        (2, "assess", "range", 5 * MIN, HOUR),
        (3, "diagnose", "range", HOUR, 2 * HOUR),
        (4, "mitigate", "immediate", timedelta(0), timedelta(0)),
        (5, "update_stakeholders", "ongoing", timedelta(0), None),
        (6, "retrospective", "within", timedelta(0), timedelta(days=5)),
    ]
    assert runbook.phases[5].window.anchor == "resolution"
    detect = runbook.phases[0].checklists[0]
    assert [(i.text, i.checked) for i in detect.items] == [
        ("Acknowledge the page within 90s", False),
        ("Check the checkout dashboard", True),
    ]
    assert runbook.phases[1].questions == ["Are payments failing?", "Which regions are affected?"]


def test_p_style_roles_and_conditions() -> None:
    runbook = _parse("priorities_p1_p5.md").runbook
    assert [(r.role, r.severities) for r in runbook.roles] == [
        ("incident_commander", None),
        ("payments_engineer", ["P1", "P2"]),
        ("support_lead", ["P1"]),
    ]
    assert runbook.required_roles("P3") == ["incident_commander"]


def test_escalation_as_a_list() -> None:
    policy = _parse("priorities_p1_p5.md").runbook.escalation
    assert policy.source == "runbook"
    assert [(s.after, s.verb, s.target_key, s.severities) for s in policy.steps] == [
        (timedelta(0), "page", "primary_on_call", None),
        (10 * MIN, "page", "secondary_on_call", None),
        (30 * MIN, "notify", "head_of_engineering", ["P1", "P2"]),
        (HOUR, "page", "cto", ["P1"]),
    ]


def test_cadence_spellings() -> None:
    communication = _parse("priorities_p1_p5.md").runbook.communication
    internal, external = communication.internal, communication.external
    assert internal is not None and external is not None
    assert [(r.trigger, r.after, r.every, r.channel) for r in internal.rules] == [
        ("at", timedelta(0), None, "#checkout-incidents"),
        ("every", None, 20 * MIN, None),
        ("on_resolve", None, None, "#checkout"),
    ]
    assert external.severities == ["P1", "P2"]
    assert [(r.trigger, r.after, r.every) for r in external.rules] == [
        ("at", 15 * MIN, None),
        ("every", None, HOUR),
        ("on_resolve", None, None),
    ]


def test_actions_from_other_tools() -> None:
    runbook = _parse("priorities_p1_p5.md").runbook
    got = {
        a.name: (a.kind, a.argv, {p.name: p.default for p in a.parameters}) for a in runbook.actions
    }
    assert got == {
        "tail_checkout_logs": (
            "diagnostic",
            ["kubectl", "logs", "deployment/{service}", "-n", "{namespace}", "--tail={tail}"],
            {"service": "checkout-api", "namespace": "payments", "tail": 200},
        ),
        "show_pods": (
            "diagnostic",
            ["kubectl", "get", "pods", "-n", "{namespace}", "-l", "{selector}"],
            {"namespace": "payments", "selector": "app=checkout"},
        ),
        "roll_back_checkout": (
            "mitigation",
            ["helm", "rollback", "{service}", "-n", "{namespace}"],
            {"service": "checkout", "namespace": "payments"},
        ),
        "turn_off_new_payment_flow": (
            "mitigation",
            ["/feature-flag-toggle", "{flag}", "{state}"],
            {"flag": "new-payment-flow", "state": "off"},
        ),
        "restart_the_worker": (
            "mitigation",
            ["systemctl", "restart", "{service}"],
            {"service": "checkout-worker"},
        ),
    }


def test_links_and_metadata_in_another_style() -> None:
    runbook = _parse("priorities_p1_p5.md").runbook
    assert [(q.label, q.url) for q in runbook.quick_links] == [
        ("Checkout dashboard", "https://grafana.example.com/d/checkout"),
        ("Payments status", "https://status.stripe.example.com"),
    ]
    assert runbook.metadata.version == "3.1"
    assert runbook.metadata.last_updated is not None
    assert runbook.metadata.last_updated.isoformat() == "2026-10-02"


def test_named_levels_setext_title_and_escalation_table_with_columns_reordered() -> None:
    result = _parse("critical_high_medium_low.md")
    assert result.findings == []
    runbook = result.runbook
    assert runbook.title == "Data Platform Runbook"
    assert [
        (s.name, s.aliases, s.response_time, s.next_business_day) for s in runbook.severities
    ] == [
        ("Critical", [], 15 * MIN, False),
        ("High", [], HOUR, False),
        ("Medium", [], 4 * HOUR, False),
        ("Low", [], None, True),
    ]
    assert runbook.severities[0].description == "Nothing loads"
    assert runbook.severities[0].example == "Warehouse down"
    assert [(s.after, s.target_key, s.severities) for s in runbook.escalation.steps] == [
        (timedelta(0), "data_on_call", None),
        (30 * MIN, "data_platform_lead", ["Critical", "High"]),
        (2 * HOUR, "head_of_data", ["Critical"]),
    ]


def test_phases_under_a_process_heading_with_sub_headings_as_labels() -> None:
    runbook = _parse("critical_high_medium_low.md").runbook
    assert [(p.key, p.window.kind) for p in runbook.phases] == [
        ("detect", "range"),
        ("contain", "immediate"),
        ("review", "within"),
    ]
    detect = runbook.phases[0]
    assert detect.info_lists[0].title == "Signals"
    assert [i.text for i in detect.checklists[0].items] == [
        "Acknowledge the alert",
        "Post in #data-incidents",
    ]
    assert runbook.phases[2].window.end == timedelta(days=3)
    assert [(r.role, r.severities) for r in runbook.roles] == [
        ("incident_lead", None),
        ("data_engineer", None),
        ("analytics_liaison", ["Critical", "High"]),
    ]
    scale = runbook.action("scale_the_warehouse")
    assert scale is not None and scale.kind == "mitigation"
    assert scale.render({"replicas": 8}) == [
        "kubectl",
        "scale",
        "statefulset",
        "warehouse",
        "--replicas=8",
        "-n",
        "data",
    ]
    (stale,) = runbook.incident_types
    assert stale.symptoms == ["Dashboards show yesterday's numbers"]
    assert stale.resolution == ["Re-run the nightly load"]
    assert runbook.action("latest_load") is not None


def test_no_escalation_section_uses_default_matrix_and_lint_says_so() -> None:
    result = _parse("no_escalation.md")
    assert result.errors == []
    assert [(f.code, f.level) for f in result.warnings] == [
        ("no-escalation-section", "warning"),
        ("command-not-parameterised", "warning"),
    ]
    runbook = result.runbook
    assert runbook.escalation.source == "default"
    assert [(s.after, s.target_key, s.severities) for s in runbook.escalation.steps] == [
        (timedelta(0), "on_call_engineer", None),
        (15 * MIN, "engineering_lead", None),
        (30 * MIN, "vp_engineering", ["SEV-1"]),
        (HOUR, "cto", ["SEV-1"]),
        (2 * HOUR, "ceo", ["SEV-1"]),
    ]
    # Level-4 headings still make phases; 30 min / 1h / 2 hours response times.
    assert [p.key for p in runbook.phases] == ["detection", "fix", "postmortem"]
    assert [s.response_time for s in runbook.severities] == [30 * MIN, HOUR, 2 * HOUR]


def test_explicit_placeholders_become_required_parameters() -> None:
    runbook = _parse("no_escalation.md").runbook
    undo = runbook.actions[0]
    assert undo.argv == ["kubectl", "rollout", "undo", "deployment/{service}", "-n", "{namespace}"]
    assert [(p.name, p.default) for p in undo.parameters] == [
        ("service", None),
        ("namespace", None),
    ]
    assert undo.render({"service": "api", "namespace": "prod"})[3] == "deployment/api"
    substituted = runbook.actions[1]
    assert substituted.runner == "shell"
    assert substituted.render_shell() == 'echo "deployed at $(date)"'
