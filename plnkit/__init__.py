"""plnkit: the library behind the Personal Learning Networks course.

Notebooks make one-line calls into this package; every rule is a plain function, every widget a thin shell,
and every learner's work goes to the store (one SQLite file under ``$PLNKIT_HOME``).
"""

from __future__ import annotations

from .backchannel import Backchannel, backchannel
from .dashboard import FacilitatorPage, facilitator_page
from .errors import (
    IdentityError,
    InputError,
    PlnkitError,
    StoreCorruptError,
    StoreError,
    StoreLockedError,
    StoreReadOnlyError,
)
from .evidence_widget import Evidence, evidence
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
from .mynetwork import MyNetwork, my_network
from .page import facts, footer, header, module_list, sources
from .portfolio import Portfolio, portfolio
from .reader import FeedReader, feed_reader
from .reflection import Reflection, reflection
from .store import Store
from .toolbox import BookmarkManager, Communities, IdentityCheck, bookmark_manager, communities, identity_check
from .workshop import Join, join

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
