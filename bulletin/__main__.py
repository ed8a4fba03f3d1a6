"""``python -m bulletin`` is the ``bulletin`` command."""

from bulletin.cli import main

main()
