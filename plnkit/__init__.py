"""plnkit: the library behind the Personal Learning Networks course.

Notebooks make one-line calls into this package; every rule is a plain function, every widget a thin shell,
and every learner's work goes to the store (one SQLite file under ``$PLNKIT_HOME``).
"""

from __future__ import annotations

from .errors import (
    IdentityError,
    InputError,
    PlnkitError,
    StoreCorruptError,
    StoreError,
    StoreLockedError,
    StoreReadOnlyError,
)
from .services.store import Store
from .widgets.backchannel import Backchannel, backchannel
from .widgets.dashboard import FacilitatorPage, facilitator_page
from .widgets.evidence import Evidence, evidence
from .widgets.exercises import (
    BalancePlanner,
    BenefitRating,
    FirstSteps,
    StageFinder,
    balance_planner,
    benefit_rating,
    first_steps,
    stage_finder,
)
from .widgets.mynetwork import MyNetwork, my_network
from .widgets.page import facts, footer, header, module_list, sources
from .widgets.portfolio import Portfolio, portfolio
from .widgets.reader import FeedReader, feed_reader
from .widgets.reflection import Reflection, reflection
from .widgets.toolbox import BookmarkManager, Communities, IdentityCheck, bookmark_manager, communities, identity_check
from .widgets.workshop import Join, join

__version__ = "0.1.0"

__all__ = [
    "Backchannel",
    "BookmarkManager",
    "Communities",
    "Evidence",
    "IdentityCheck",
    "backchannel",
    "bookmark_manager",
    "communities",
    "evidence",
    "identity_check",
    "join",
    "BalancePlanner",
    "BenefitRating",
    "FirstSteps",
    "StageFinder",
    "balance_planner",
    "benefit_rating",
    "first_steps",
    "stage_finder",
    "FacilitatorPage",
    "FeedReader",
    "IdentityError",
    "InputError",
    "Join",
    "MyNetwork",
    "PlnkitError",
    "Portfolio",
    "Reflection",
    "Store",
    "StoreCorruptError",
    "StoreError",
    "StoreLockedError",
    "StoreReadOnlyError",
    "__version__",
    "facts",
    "facilitator_page",
    "feed_reader",
    "footer",
    "header",
    "module_list",
    "portfolio",
    "my_network",
    "reflection",
    "sources",
]
