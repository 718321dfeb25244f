"""Alert intake: what happens to a delivery of alerts from a sender, up to its commit.

- `plan`: a delivery, and the re-sends a group of deliveries amounts to (pure);
- `ingest`: the full path, one transaction per group: store, dedup, route, group,
  open or attach to incidents, resolve, acknowledge;
- `refresh`: re-sent firing alerts, one statement per integration, inside that path;
- `resends`: the same re-sends alone, on a connection of their own (the fast path);
- `grouping`: which open incident an alert joins;
- `receipts`: the `alert_deliveries` rows, and pruning them;
- `writer`: the `IntakeWriter`, which groups the requests' deliveries into commits.
"""
