"""O*NET detailed and intermediate work activities (DWA / IWA Reference) and the links from task
statements to DWAs (Tasks to DWAs): the work-activity side of career transitions.

The hierarchy is three levels of SKOS concepts: a Work Activities element of the content model
(4.A.x.x.x, already imported) <- skos:broader an IWA (scheme onet-iwa) <- skos:broader a DWA
(scheme onet-dwa). Each Tasks-to-DWAs row is an okg:TaskActivity node (task, DWA, date, domain
source) plus the plain shortcut `task okg:detailedWorkActivity dwa` that queries and the
transition scorer join on.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import TYPE_CHECKING

from pyoxigraph import NamedNode

from kg.sources.importers.base import (
    RDF_TYPE,
    ImportFailed,
    Key,
    Triple,
    check,
    code_concept,
    dcterms,
    okg,
    plain,
    scheme,
    skos,
)
from kg.sources.importers.onet_reference import month

if TYPE_CHECKING:
    from pathlib import Path

    from kg.sources.importers.onet import Onet

DWA_FILE, IWA_FILE, TASK_DWA_FILE = "DWA Reference.tsv", "IWA Reference.tsv", "Tasks to DWAs.tsv"
FILES: tuple[str, ...] = (IWA_FILE, DWA_FILE, TASK_DWA_FILE)
IWA_ID = re.compile(r"^4\.A(\.[0-9a-z]+)+\.I[0-9]{2}$")
DWA_ID = re.compile(r"^4\.A(\.[0-9a-z]+)+\.I[0-9]{2}\.D[0-9]{2}$")
TASK_ID = re.compile(r"^[0-9]+$")


def iwa_iri(onet: Onet, iwa_id: str) -> NamedNode:
    return onet.ctx.id("onet-iwa", iwa_id.lower())


def dwa_iri(onet: Onet, dwa_id: str) -> NamedNode:
    return onet.ctx.id("onet-dwa", dwa_id.lower())


def _parent(onet: Onet, path: Path, line: int, child: str, parent: str, known: set[str] | None
            ) -> None:
    """A code must extend its parent's (4.A.1.a.1.I01.D01 under 4.A.1.a.1.I01)."""
    if not child.startswith(parent + "."):
        raise ImportFailed(path, line, f"{child} does not belong under {parent}")
    if known is not None and parent not in known:
        raise ImportFailed(path, line, f"{parent} is not in {IWA_FILE}")


def iwas(onet: Onet, known: set[str]) -> Iterator[Triple]:
    top = onet.ctx.id("scheme", "onet-iwa")
    yield from scheme(top, "O*NET intermediate work activities (IWA)")
    path = onet.folder / IWA_FILE
    cols = ("Element ID", "IWA ID", "IWA Title")
    for line, row in onet.table(path, cols, "IWA Title", tsv=True, keys=(Key(("IWA ID",)),)):
        iwa_id = check(IWA_ID, row["IWA ID"].strip(), path, line, "IWA ID")
        element_id = row["Element ID"].strip()
        _parent(onet, path, line, iwa_id, element_id, None)
        element = onet.element(path, line, element_id)
        known.add(iwa_id)
        node = iwa_iri(onet, iwa_id)
        yield from code_concept(node, top, iwa_id, row["IWA Title"].strip())
        yield node, skos("broader"), element


def dwas(onet: Onet, iwa_known: set[str], known: set[str]) -> Iterator[Triple]:
    top = onet.ctx.id("scheme", "onet-dwa")
    yield from scheme(top, "O*NET detailed work activities (DWA)")
    path = onet.folder / DWA_FILE
    cols = ("Element ID", "IWA ID", "DWA ID", "DWA Title")
    keys = (Key(("DWA ID",)),)
    for line, row in onet.table(path, cols, "DWA Title", tsv=True, keys=keys):
        dwa_id = check(DWA_ID, row["DWA ID"].strip(), path, line, "DWA ID")
        iwa_id = row["IWA ID"].strip()
        _parent(onet, path, line, dwa_id, iwa_id, iwa_known)
        _parent(onet, path, line, iwa_id, row["Element ID"].strip(), None)
        known.add(dwa_id)
        node = dwa_iri(onet, dwa_id)
        yield from code_concept(node, top, dwa_id, row["DWA Title"].strip())
        yield node, skos("broader"), iwa_iri(onet, iwa_id)


def task_links(onet: Onet, dwa_known: set[str]) -> Iterator[Triple]:
    path = onet.folder / TASK_DWA_FILE
    cols = ("O*NET-SOC Code", "Task ID", "DWA ID", "Date", "Domain Source")
    keys = (Key(("Task ID", "DWA ID")), Key(("Task ID",), ("O*NET-SOC Code",)))
    for line, row in onet.table(path, cols, tsv=True, keys=keys):
        onet.occ(path, line, row)  # the occupation must exist; the task belongs to it
        task_id = check(TASK_ID, row["Task ID"].strip(), path, line, "task ID")
        known_tasks = getattr(onet, "task_text", None)  # Task Statements, when recorded
        if known_tasks and task_id not in known_tasks:
            raise ImportFailed(path, line, f"task {task_id} is not in Task Statements",
                               column="Task ID")
        dwa_id = check(DWA_ID, row["DWA ID"].strip(), path, line, "DWA ID")
        if dwa_id not in dwa_known:
            raise ImportFailed(path, line, f"DWA {dwa_id} is not in {DWA_FILE}", column="DWA ID")
        date = month(row, path, line)
        task, dwa = onet.ctx.id("onet-task", task_id), dwa_iri(onet, dwa_id)
        yield task, okg("detailedWorkActivity"), dwa
        node = onet.ctx.id("onet-task-dwa", f"{task_id}-{dwa_id.lower()}")
        yield node, RDF_TYPE, okg("TaskActivity")
        yield node, okg("task"), task
        yield node, okg("activity"), dwa
        yield node, dcterms("date"), date
        if row["Domain Source"].strip():
            yield node, okg("activityDomainSource"), plain(row["Domain Source"].strip())


def produce(onet: Onet) -> Iterator[Triple]:
    """Triples of the work-activity files, read after the occupation tables and tasks."""
    iwa_known: set[str] = set()
    dwa_known: set[str] = set()
    yield from iwas(onet, iwa_known)
    yield from dwas(onet, iwa_known, dwa_known)
    yield from task_links(onet, dwa_known)
