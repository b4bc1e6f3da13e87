"""Keep every test run away from the real learner data: PLNKIT_HOME points at a fresh folder.

This sits at the top of the repository so that it also covers the notebook run (``pytest --nbval-lax
course/``), whose kernels inherit the environment.
"""

from __future__ import annotations

import os
import tempfile


def pytest_configure(config: object) -> None:
    if not os.environ.get("PLNKIT_TEST_KEEP_HOME"):
        os.environ["PLNKIT_HOME"] = tempfile.mkdtemp(prefix="plnkit-test-home-")
