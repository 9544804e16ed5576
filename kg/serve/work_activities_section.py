"""The "Detailed work activities" section of an O*NET-SOC occupation's page: the DWAs its tasks
are linked to (O*NET Tasks to DWAs), grouped under their intermediate work activity (IWA), the
activities most of its tasks share first. Read by index from the served store."""

from __future__ import annotations

from dataclasses import dataclass, field

import pyoxigraph as ox

from kg.prefixes import OKG

SKOS_BROADER = ox.NamedNode("http://www.w3.org/2004/02/skos/core#broader")
HAS_TASK = ox.NamedNode(OKG + "hasTask")
DETAILED_WORK_ACTIVITY = ox.NamedNode(OKG + "detailedWorkActivity")
# The named graphs only (graph None on the server's store): a triple stated in two graphs comes
# twice, so tasks are counted as sets.
ANY_GRAPH = None


@dataclass
class Activity:
    iri: str
    label: str
    tasks: int  # how many of the occupation's tasks are linked to it


@dataclass
class ActivityGroup:
    """One intermediate work activity and the detailed ones under it that the occupation does."""

    iri: str
    label: str
    activities: list[Activity] = field(default_factory=list)

    @property
    def tasks(self) -> int:
        return sum(a.tasks for a in self.activities)


def _label(labels: dict[str, str], iri: str) -> str:
    return labels.get(iri, iri.rsplit("/", 1)[-1])


def read_work_activities(store: ox.Store, iri: str,
                         labels: dict[str, str]) -> list[ActivityGroup]:
    tasks_of: dict[str, set[str]] = {}
    for has_task in store.quads_for_pattern(ox.NamedNode(iri), HAS_TASK, None, ANY_GRAPH):
        task = has_task.object
        if not isinstance(task, ox.NamedNode):
            continue
        for link in store.quads_for_pattern(task, DETAILED_WORK_ACTIVITY, None, ANY_GRAPH):
            if isinstance(link.object, ox.NamedNode):
                tasks_of.setdefault(link.object.value, set()).add(task.value)
    groups: dict[str, ActivityGroup] = {}
    for dwa, tasks in sorted(tasks_of.items()):
        # A DWA has one IWA above it in O*NET's DWA Reference; "" keeps a DWA without one.
        parent = min((q.object.value for q in store.quads_for_pattern(
            ox.NamedNode(dwa), SKOS_BROADER, None, ANY_GRAPH)
            if isinstance(q.object, ox.NamedNode)), default="")
        group = groups.setdefault(parent, ActivityGroup(
            parent, _label(labels, parent) if parent else "Other activities"))
        group.activities.append(Activity(dwa, _label(labels, dwa), len(tasks)))
    for group in groups.values():
        group.activities.sort(key=lambda a: (-a.tasks, a.label.lower(), a.iri))
    return sorted(groups.values(), key=lambda g: (-g.tasks, g.label.lower(), g.iri))
