"""``python -m demeter --config-file config.ini``."""

from .cli import main

raise SystemExit(main())
