"""Services at the edges: the store (SQLite), fetching over HTTP, the learner's session, logging, and the
server that serves the course through Voila.
"""
