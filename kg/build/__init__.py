"""`kg build` as one road: every source -> one pyoxigraph store -> closure, checks, downloads.

One module per stage (sources, imports, derived, closure, validation, writers, checks), run in
order by kg.build.pipeline (import `build` and `BuildOptions` from there); the seed build is the
full build with no reference data. This package file imports nothing, so a module that needs
only kg.build.options does not pull in the whole pipeline.
"""
