"""occupation-kg: a validated RDF knowledge graph of occupations."""

__version__ = "0.1.0"
