"""``python -m brinkwatch``."""

from brinkwatch.cli import main

main()
