"""A runbook's incident types (playbooks): symptoms, investigation steps and code,
resolution steps and code, read from the sections under an incident-types heading."""

from __future__ import annotations

from collections.abc import Sequence

from warroom.runbooks.model import CodeBlock, IncidentType, SeverityLevel, slug
from warroom.runbooks.outline import CodeFence, ListBlock, Section, groups
from warroom.runbooks.phases import code_block, code_blocks_in_items
from warroom.runbooks.tables import words

TYPES_SECTION = words(
    r"incident types|common incidents|playbooks|scenarios|failure modes|known issues"
    r"|common issues|common problems|incident catalog"
)
_SYMPTOMS = words(r"symptom|signs|indicator|detect")
_INVESTIGATION = words(r"investigat|diagnos|check|quer|debug|triage")
_RESOLUTION = words(r"resol|fix|remediat|mitigat|workaround|recover")


def read_incident_types(
    type_sections: Sequence[Section], levels: Sequence[SeverityLevel]
) -> list[IncidentType]:
    """Each child of an incident-types section: symptoms, investigation, resolution."""
    types: list[IncidentType] = []
    for parent in type_sections:
        for section in parent.children:
            symptoms: list[str] = []
            steps: list[str] = []
            resolution: list[str] = []
            investigation: list[CodeBlock] = []
            resolution_code: list[CodeBlock] = []
            for group in groups(section):
                label = group.label or ""
                for block in group.blocks:
                    if isinstance(block, CodeFence):
                        target = resolution_code if _RESOLUTION.search(label) else investigation
                        target.append(code_block(block, label or None))
                    elif isinstance(block, ListBlock):
                        texts = [" ".join(i.text.split("\n")) for i in block.items]
                        item_code = code_blocks_in_items(block.items, levels)
                        if _SYMPTOMS.search(label):
                            symptoms.extend(texts)
                        elif _RESOLUTION.search(label):
                            resolution.extend(texts)
                            resolution_code.extend(item_code)
                        elif _INVESTIGATION.search(label):
                            steps.extend(texts)
                            investigation.extend(item_code)
            types.append(
                IncidentType(
                    name=section.title,
                    key=slug(section.title),
                    symptoms=symptoms,
                    investigation=investigation,
                    investigation_steps=steps,
                    resolution=resolution,
                    resolution_code=resolution_code,
                    line=section.line,
                )
            )
    return types
