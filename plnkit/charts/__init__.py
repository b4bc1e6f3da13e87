"""Charts: functions that take data and return a matplotlib ``Figure``, each with a text description and the
table it was drawn from. No chart reads the database. matplotlib is imported only when a chart is drawn.
"""
