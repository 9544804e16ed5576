"""`kg serve`: publish the built graph as linked data (see kg/serve/app.py for the routes)."""
