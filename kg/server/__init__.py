"""`kg serve`: publish the built graph as linked data (see kg/server/app.py for the routes)."""
