"""The course's rules: pure functions and frozen dataclasses, no I/O.

Stage estimates, benefit profiles, name and handle checks, web-address rules, dates, the network model and the
room's aggregates live here. Nothing in this package opens a file, a socket or the database, or imports
ipywidgets or matplotlib (``tests/test_layers.py`` checks), so every rule is tested with plain values.
"""
