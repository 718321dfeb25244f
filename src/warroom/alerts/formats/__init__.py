"""Wire formats of alert intake: validate what monitoring tools send, normalize, route.

Pure functions, no I/O: `alertmanager.parse`, `grafana.parse` (→ `Batch`),
`pagerduty.parse_event` / `parse_change`, `datadog.parse`, `generic.parse`,
`customer.parse` (→ `AlertEvent` / `ChangeEvent`); bad input raises only
`model.FormatError`. `routing.route` decides service, severity and incident.
"""
