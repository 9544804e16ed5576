"""Every source of the graph: the curated records (kg.sources.curated), the public reference
datasets (kg.sources.importers) and the curated SSSOM mapping sets."""
