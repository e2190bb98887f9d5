"""``python -m symnet`` runs the command-line interface."""

from symnet.cli import main

main()
