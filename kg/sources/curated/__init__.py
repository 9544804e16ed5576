"""The curated records (kg/sources/curated/records/*.yaml): loading, checking every quote and
value against its source document, and turning them into triples."""
