"""Querying the graph: engines behind one interface, the stored queries and their parameters,
result formats, and loading the graph into a remote SPARQL store."""
