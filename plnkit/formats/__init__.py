"""File formats read and written by the course: feeds (RSS/Atom), OPML outlines, Netscape bookmark files, the
learner's portfolio and evidence, and the facilitator's report.

Readers take bytes and return records from :mod:`plnkit.rules`; writers take records and return bytes.
"""
