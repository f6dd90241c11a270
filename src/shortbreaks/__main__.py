"""``python -m shortbreaks`` is the ``shortbreaks`` command."""

from shortbreaks.cli import main

main()
