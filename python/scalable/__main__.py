"""``python -m scalable`` runs the same command line as ``scalable``."""

from scalable._cli import main

main()
