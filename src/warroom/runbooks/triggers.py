"""Which runbook tasks warroom ticks itself, and on what. Pure and declarative.

Some checklist items are things warroom does or sees happen: "Acknowledge the alert",
"Declare incident", "Assemble team" and the roles listed under it. Each such item gets a
trigger (`ChecklistItem.done_when`) when the runbook is read; the incident's task keeps
it, and the service that records the matching event ticks the task with that event.

`RULES` is the whole policy: an item is ticked by a rule's trigger when its label (or
its text) starts with one of the rule's verbs and one of the rule's objects follows
within a few words. "Open incident channel" matches nothing (warroom opens no channel),
and no rule ticks what only a person can judge (assess severity, check the logs).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from warroom.runbooks.model import Checklist, ChecklistItem, RoleRequirement, slug

DECLARED = "declared"  # the incident was declared in warroom
ACKNOWLEDGED = "acknowledged"  # someone acknowledged it (a person, a link, a sender)
TEAM_ASSEMBLED = "team_assembled"  # every role the severity requires has a holder
_ROLE_FILLED = "role_filled:"

_WORD = re.compile(r"[a-z0-9]+")
OBJECT_WITHIN = 3  # words after the verb where the object may stand ("acknowledge the alert")


def role_filled(role: str) -> str:
    """The trigger of a task naming a role ("Engineering lead"): that role got a holder."""
    return f"{_ROLE_FILLED}{role}"


def filled_role(trigger: str) -> str | None:
    return trigger.removeprefix(_ROLE_FILLED) if trigger.startswith(_ROLE_FILLED) else None


@dataclass(frozen=True)
class Rule:
    trigger: str
    verbs: tuple[str, ...]
    objects: tuple[str, ...]

    def matches(self, words: Sequence[str]) -> bool:
        return bool(words) and words[0] in self.verbs and _any_in(words, self.objects)


def _any_in(words: Sequence[str], objects: tuple[str, ...]) -> bool:
    return any(w in objects for w in words[1 : 1 + OBJECT_WITHIN])


RULES: tuple[Rule, ...] = (
    Rule(ACKNOWLEDGED, ("acknowledge", "ack"), ("alert", "alerts", "page", "incident")),
    Rule(DECLARED, ("declare",), ("incident",)),
    # The timeline is the incident log, started by the declaration ("Start incident log").
    Rule(DECLARED, ("start", "open", "begin"), ("log", "timeline")),
    Rule(TEAM_ASSEMBLED, ("assemble",), ("team", "roles", "responders")),
)


def trigger_of(item: ChecklistItem) -> str | None:
    """The trigger `RULES` give this item, from its label or else its text."""
    words = _WORD.findall((item.label or item.text).lower())
    return next((rule.trigger for rule in RULES if rule.matches(words)), None)


def role_named(item: ChecklistItem, roles: Sequence[RoleRequirement]) -> str | None:
    """The role an item names ("Product manager (SEV-1/2)" -> product_manager), if any."""
    key = slug(item.label or item.text)
    return next((r.role for r in roles if key == r.role or key.startswith(f"{r.role}_")), None)


def _item(item: ChecklistItem, roles: Sequence[RoleRequirement]) -> ChecklistItem:
    trigger = trigger_of(item)
    children = list(item.children)
    if trigger == TEAM_ASSEMBLED:
        # The roles listed under "Assemble team" are ticked one by one as they are filled.
        children = [
            child.model_copy(update={"done_when": role_filled(role)})
            if (role := role_named(child, roles))
            else child
            for child in children
        ]
    else:
        children = [_item(child, roles) for child in children]
    return item.model_copy(update={"done_when": trigger, "children": children})


def with_triggers(
    checklists: Sequence[Checklist], roles: Sequence[RoleRequirement]
) -> list[Checklist]:
    """The checklists with each item's `done_when` set by `RULES`."""
    return [c.model_copy(update={"items": [_item(i, roles) for i in c.items]}) for c in checklists]


# A checklist of alternatives ("Quick Wins (Try First)": roll back, or disable a flag, or
# scale up ...) is done when one of them worked, so its untried items are not left undone.
_ALTERNATIVES = re.compile(r"\b(quick wins?|try first|options?|alternatives?|one of)\b")


def is_alternatives(checklist_title: str) -> bool:
    return bool(_ALTERNATIVES.search(checklist_title.lower()))


def is_about_roles(trigger: str | None) -> bool:
    """Tasks ticked by roles ("Assemble team" and each role under it)."""
    return trigger is not None and (trigger == TEAM_ASSEMBLED or filled_role(trigger) is not None)


def ticked_by(checklists: Sequence[Checklist]) -> dict[str, list[str]]:
    """Trigger -> the texts of the items it ticks (for `runbook show` and tests)."""
    found: dict[str, list[str]] = {}
    for checklist in checklists:
        for item in checklist.walk():
            if item.done_when:
                found.setdefault(item.done_when, []).append(item.text)
    return found
