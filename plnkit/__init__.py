"""plnkit: the library behind the Personal Learning Networks course.

Notebooks make one-line calls into this package; every rule is a plain function, every widget a thin shell,
and every learner's work goes to the store (one SQLite file under ``$PLNKIT_HOME``).
"""

from __future__ import annotations

from .errors import (
    InputError,
    PlnkitError,
    StoreCorruptError,
    StoreError,
    StoreLockedError,
    StoreReadOnlyError,
)
from .exercises import (
    BalancePlanner,
    BenefitRating,
    FirstSteps,
    StageFinder,
    balance_planner,
    benefit_rating,
    first_steps,
    stage_finder,
)
from .page import facts, footer, header, module_list, sources
from .reader import FeedReader, feed_reader
from .reflection import Reflection, reflection
from .store import Store

__version__ = "0.1.0"

__all__ = [
    "BalancePlanner",
    "BenefitRating",
    "FirstSteps",
    "StageFinder",
    "balance_planner",
    "benefit_rating",
    "first_steps",
    "stage_finder",
    "FeedReader",
    "InputError",
    "PlnkitError",
    "Reflection",
    "Store",
    "StoreCorruptError",
    "StoreError",
    "StoreLockedError",
    "StoreReadOnlyError",
    "__version__",
    "facts",
    "feed_reader",
    "footer",
    "header",
    "module_list",
    "reflection",
    "sources",
]
