"""The public surface is deliberate: this fails when it changes by accident."""

from __future__ import annotations

import plnkit


def test_public_api_is_what_we_mean_to_export() -> None:
    assert sorted(plnkit.__all__) == sorted([
        "Backchannel", "BalancePlanner", "BenefitRating", "BookmarkManager", "Communities", "Evidence",
        "FacilitatorPage", "FeedReader", "FirstSteps", "IdentityCheck", "IdentityError", "InputError", "Join",
        "MyNetwork", "PlnkitError", "Portfolio", "Reflection", "StageFinder", "Store", "StoreCorruptError",
        "StoreError", "StoreLockedError", "StoreReadOnlyError", "__version__", "backchannel", "balance_planner",
        "benefit_rating", "bookmark_manager", "communities", "evidence", "facilitator_page", "facts", "feed_reader",
        "first_steps", "footer", "header", "identity_check", "join", "module_list", "my_network", "portfolio",
        "reflection", "sources", "stage_finder",
    ])
    for name in plnkit.__all__:
        assert hasattr(plnkit, name)
