"""``python -m plnkit``: the ``plnkit`` command (:mod:`plnkit.cli`), for an environment whose scripts folder is not
on ``PATH``."""

from .cli import main

raise SystemExit(main())
