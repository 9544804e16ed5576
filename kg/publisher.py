"""Who publishes what the project itself makes (the graph, its derived datasets), and under
which licence: said once, for the catalogue (kg/build/void.py) and the datasets the build
derives (kg/transitions/stage.py)."""

from __future__ import annotations

# CC BY 4.0, like the O*NET and ESCO data the derived datasets are computed from (BLS data is
# in the public domain; the Nesta crosswalk is MIT): each asks for attribution, which the
# datasets give through prov:wasDerivedFrom and the catalogue's dcterms:source.
LICENSE = "https://creativecommons.org/licenses/by/4.0/"
PUBLISHER_PATH = "agent/occupation-kg-contributors"  # under the build's base IRI
PUBLISHER_NAME = "occupation-kg contributors"
