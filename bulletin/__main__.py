"""``python -m bulletin`` is the ``bulletin`` command (the console script calls :func:`run`)."""


def run() -> None:
    """Stop signals end the command quietly from the first moment (one line, exit 128 +
    signal) until a command takes them over; then the command line itself."""
    from bulletin.lifecycle import exit_on_signals

    exit_on_signals()
    from bulletin.cli import main

    main()


if __name__ == "__main__":
    run()
