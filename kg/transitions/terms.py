"""The names of the transition components and the okg: property each value is stored in: shared
by the scorer, the graph stage and `kg transitions` (which must not import numpy to start)."""

from __future__ import annotations

# kg.prefixes holds these as rdflib Namespaces; `kg transitions` must not import rdflib to start
# (about 0.5 s), so the two it needs are plain strings here (a test checks they agree).
OKG_IRI = "https://w3id.org/occupation-kg/ontology#"
KEPT_PER_SOURCE = 20  # transitions the build keeps from each occupation (kg.transitions.stage)
SKOS_IRI = "http://www.w3.org/2004/02/skos/core#"

# component -> what it measures (README, CSV header and the provenance description say the same)
COMPONENTS: dict[str, str] = {
    "skills": "cosine of Skills+Knowledge importance (IM) ratings",
    "skillLevels": "cosine of Skills+Knowledge level (LV) ratings",
    "activities": "idf-weighted cosine of the detailed work activities linked to the tasks",
    "activityGroups": "idf-weighted cosine of the intermediate work activities (DWA parents)",
    "escoSkills": "cosine of ESCO essential (1) / optional (0.5) skills via the crosswalk",
    "interests": "cosine of the RIASEC Interests (OI) profile",
    "tasks": "tf-idf cosine of the description and task statements",
    "titles": "tf-idf cosine of the title and alternate titles",
}
# component -> the okg: property its value goes in
PROPERTY: dict[str, str] = {
    "skills": "skillSimilarity",
    "skillLevels": "skillLevelSimilarity",
    "activities": "activitySimilarity",
    "activityGroups": "activityGroupSimilarity",
    "escoSkills": "escoSkillSimilarity",
    "interests": "interestSimilarity",
    "tasks": "taskSimilarity",
    "titles": "titleSimilarity",
}
