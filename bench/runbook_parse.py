"""Benchmark: parse a generated ~1 MB runbook; prints the median over several runs.

Run: .venv/bin/python bench/runbook_parse.py [--size-kb 1024] [--runs 5]
Target: median under 1 s for 1 MB (real runbooks are a few KB).
"""

from __future__ import annotations

import argparse
import statistics
import time
from pathlib import Path

from warroom.runbooks.parser import parse_runbook

_SEED = Path(__file__).parents[1] / "src" / "warroom" / "runbooks" / "default.md"


def _incident_type(index: int) -> str:
    return f"""### Failure mode {index}: queue backlog in worker-{index}

**Symptoms:**
- Queue depth for worker-{index} above 10k
- Jobs older than 15 minutes
- Consumers restarting (OOMKilled)

**Investigation:**
```bash
# Inspect worker {index} pods
kubectl get pods -n production -l app=worker-{index}

# Tail worker {index} logs
kubectl logs deployment/worker-{index} -n production --tail=500 | grep -i error
```

```sql
-- Oldest jobs for worker {index}
SELECT id, created_at FROM jobs WHERE queue = 'worker-{index}' ORDER BY created_at LIMIT 20;
```

**Resolution:**
1. **Scale worker {index}**:
   ```bash
   kubectl scale deployment worker-{index} --replicas=12 -n production
   ```
2. Drain poisoned messages
3. Confirm the backlog is shrinking (every 5 min)

"""


def generate(size_bytes: int) -> str:
    base = _SEED.read_text()
    head, sep, tail = base.partition("## Common Incident Types\n")
    parts = [head, sep]
    size = len(head) + len(sep) + len(tail)
    index = 1
    while size < size_bytes:
        block = _incident_type(index)
        parts.append(block)
        size += len(block)
        index += 1
    parts.append(tail)
    return "".join(parts)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--size-kb", type=int, default=1024)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    text = generate(args.size_kb * 1024)
    timings: list[float] = []
    result = None
    for _ in range(args.runs):
        start = time.perf_counter()
        result = parse_runbook(text)
        timings.append(time.perf_counter() - start)
    assert result is not None
    runbook = result.runbook
    print(
        f"runbook: {len(text.encode()) / 1_048_576:.2f} MB, {len(runbook.incident_types)} incident "
        f"types, {len(runbook.actions)} actions, {len(result.findings)} findings"
    )
    print(
        f"parse median {statistics.median(timings):.3f} s over {args.runs} runs "
        f"(min {min(timings):.3f} s, max {max(timings):.3f} s)"
    )


if __name__ == "__main__":
    main()
