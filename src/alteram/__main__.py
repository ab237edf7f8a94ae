"""``python -m alteram`` runs the CLI."""

from alteram.cli import main

main()
