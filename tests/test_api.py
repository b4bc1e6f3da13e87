"""The public surface is deliberate: this fails when it changes by accident."""

from __future__ import annotations

import plnkit


def test_public_api_is_what_we_mean_to_export() -> None:
    assert sorted(plnkit.__all__) == sorted([
        "FeedReader", "InputError", "PlnkitError", "Reflection", "Store", "StoreCorruptError", "StoreError",
        "StoreLockedError", "StoreReadOnlyError", "__version__", "facts", "feed_reader", "footer", "header",
        "module_list", "reflection", "sources",
    ])
    for name in plnkit.__all__:
        assert hasattr(plnkit, name)
