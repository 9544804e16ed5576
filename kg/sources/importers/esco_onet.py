"""Nesta's ESCO <-> O*NET occupation crosswalk (November 2020): ESCO occupations matched to
O*NET-SOC 2010 occupations, each match a skos:closeMatch plus an SSSOM-shaped mapping node
carrying Nesta's confidence and semantic similarity."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

from pyoxigraph import NamedNode

from kg.sources.importers.base import (
    MIT,
    RDF_TYPE,
    Context,
    DatasetInfo,
    Importer,
    ImportFailed,
    Key,
    Triple,
    check,
    decimal,
    en,
    okg,
    skos,
    t,
    typed,
)
from kg.sources.importers.esco import uri
from kg.sources.importers.onet_soc import ONET_CODE

SSSOM = "https://w3id.org/sssom/"
sssom = t(SSSOM)
owl = t("http://www.w3.org/2002/07/owl#")
SEMAPV_COMPOSITE = NamedNode("https://w3id.org/semapv/vocab/CompositeMatching")
CONFIDENCE = re.compile(r"^(0\.5|1|2)(\.0)?$")

INFO = DatasetInfo(
    dataset="esco-onet-crosswalk-nesta",
    version="2020-11",
    title="Nesta ESCO-O*NET occupation crosswalk (November 2020)",
    publisher="Nesta",
    publisher_slug="nesta",
    license=MIT,
    citation="Kanders K., Djumalieva J., Sleeman C., Orlik J. (2020), Mapping Career Causeways, "
    "Nesta. ESCO-O*NET crosswalk, github.com/nestauk/mapping-career-causeways.",
    folder="crosswalk_esco_onet_nesta_2020",
    description="Built against ESCO v1.0.x and O*NET-SOC 2010 codes. Nesta's confidence "
    "(0.5, 1 or 2) is kept as okg:crosswalkConfidence on each mapping node; sssom:confidence "
    "is that value divided by 2.",
)
FILE = "esco_onet_crosswalk_Nov2020.csv"
COLS = ("id", "esco_occupation", "onet_code", "onet_occupation", "semantic_similarity",
        "confidence", "concept_uri")


def produce(folder: Path, ctx: Context) -> Iterator[Triple]:
    path = folder / FILE
    keys = (Key(("id",)), Key(("concept_uri", "onet_code")))
    for line, row in ctx.table(path, COLS, tsv=False, keys=keys):
        esco_node = uri(row["concept_uri"], path, line, "concept_uri")
        code = check(ONET_CODE, row["onet_code"].strip(), path, line, "O*NET-SOC 2010 code")
        confidence = row["confidence"].strip()
        if not CONFIDENCE.match(confidence):
            raise ImportFailed(path, line, f"confidence must be 0.5, 1 or 2, got {confidence!r}")
        onet_node = ctx.id("onet-soc2010", code)
        yield esco_node, skos("closeMatch"), onet_node
        digest = hashlib.sha1(f"{esco_node} {onet_node}".encode()).hexdigest()[:16]
        node = ctx.id("mapping", f"nesta-{digest}")
        yield node, RDF_TYPE, sssom("Mapping")
        yield node, owl("annotatedSource"), esco_node
        yield node, owl("annotatedProperty"), skos("closeMatch")
        yield node, owl("annotatedTarget"), onet_node
        yield node, sssom("subject_label"), en(row["esco_occupation"].strip())
        yield node, sssom("object_label"), en(row["onet_occupation"].strip())
        yield node, sssom("mapping_justification"), SEMAPV_COMPOSITE
        half = str(float(confidence) / 2)
        yield node, sssom("confidence"), typed(half, "double")
        yield node, okg("crosswalkConfidence"), decimal(confidence, path, line, "confidence")
        if row["semantic_similarity"].strip():
            similarity = decimal(row["semantic_similarity"].strip(), path, line,
                                 "semantic_similarity")
            if not -1 <= Decimal(similarity.value) <= 1:  # a cosine (0.48-0.94 in the file)
                raise ImportFailed(path, line, "semantic_similarity is a cosine similarity, "
                                   f"from -1 to 1; got {row['semantic_similarity'].strip()}",
                                   column="semantic_similarity")
            yield node, okg("semanticSimilarity"), similarity


IMPORTER = Importer("esco-onet-crosswalk", INFO, produce, (FILE,))
