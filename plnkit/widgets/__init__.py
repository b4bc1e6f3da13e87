"""The page widgets: thin ipywidgets shells over the rules and services. Each reads values, calls a rule,
saves through the store and shows the result; none holds a rule of its own.
"""
