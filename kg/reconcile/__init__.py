"""Reconciliation: map free-text job titles, skills, credentials and codes to the graph.

Modules: `normalise` (title normalisation), `types` (the type registry), `index` (labels by kind,
read from a pyoxigraph store), `rank` (scoring, crosswalk votes, the `match` rule), `service`
(W3C Reconciliation API v0.2 JSON) and `cli` (`kg reconcile`).
"""
