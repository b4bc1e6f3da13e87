"""plnkit: the library behind the Personal Learning Networks course.

Notebooks make one-line calls into this package; every rule is a plain function, every widget a thin shell,
and every learner's work goes to the store (one SQLite file under ``$PLNKIT_HOME``).
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

from .services import _log

# At once, not when the first widget loads: a course page's kernel refuses browser widgets and never sends the
# learner a traceback, however plnkit was imported.
_log.kernel_setup()

if TYPE_CHECKING:  # the real imports, for type checkers and editors
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
    from .widgets.toolbox import (
        BookmarkManager,
        Communities,
        IdentityCheck,
        bookmark_manager,
        communities,
        identity_check,
    )
    from .widgets.workshop import Join, join


# Each public name and the module that defines it: ``import plnkit`` imports none of them (PEP 562), so it stays
# light; ``from plnkit import header`` imports only what ``header`` needs (no matplotlib, feedparser or nh3 until
# a chart is drawn or a feed is read).
_EXPORTS = {
    "IdentityError": ".errors",
    "InputError": ".errors",
    "PlnkitError": ".errors",
    "StoreCorruptError": ".errors",
    "StoreError": ".errors",
    "StoreLockedError": ".errors",
    "StoreReadOnlyError": ".errors",
    "Store": ".services.store",
    "Backchannel": ".widgets.backchannel",
    "backchannel": ".widgets.backchannel",
    "FacilitatorPage": ".widgets.dashboard",
    "facilitator_page": ".widgets.dashboard",
    "Evidence": ".widgets.evidence",
    "evidence": ".widgets.evidence",
    "BalancePlanner": ".widgets.exercises",
    "BenefitRating": ".widgets.exercises",
    "FirstSteps": ".widgets.exercises",
    "StageFinder": ".widgets.exercises",
    "balance_planner": ".widgets.exercises",
    "benefit_rating": ".widgets.exercises",
    "first_steps": ".widgets.exercises",
    "stage_finder": ".widgets.exercises",
    "MyNetwork": ".widgets.mynetwork",
    "my_network": ".widgets.mynetwork",
    "facts": ".widgets.page",
    "footer": ".widgets.page",
    "header": ".widgets.page",
    "module_list": ".widgets.page",
    "sources": ".widgets.page",
    "Portfolio": ".widgets.portfolio",
    "portfolio": ".widgets.portfolio",
    "FeedReader": ".widgets.reader",
    "feed_reader": ".widgets.reader",
    "Reflection": ".widgets.reflection",
    "reflection": ".widgets.reflection",
    "BookmarkManager": ".widgets.toolbox",
    "Communities": ".widgets.toolbox",
    "IdentityCheck": ".widgets.toolbox",
    "bookmark_manager": ".widgets.toolbox",
    "communities": ".widgets.toolbox",
    "identity_check": ".widgets.toolbox",
    "Join": ".widgets.workshop",
    "join": ".widgets.workshop",
}

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


def __getattr__(name: str) -> Any:
    """Import a public name's module on first use (PEP 562) and keep the name here."""
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'plnkit' has no attribute {name!r}")
    value = getattr(import_module(module, __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})
