"""``python -m bulletin`` is the ``bulletin`` command (the console script calls :func:`run`)."""


def run() -> None:
    """Stop signals end the command quietly from the first moment (one line, exit 128 +
    signal) until a command takes them over; then the command line itself."""
    from bulletin.lifecycle import exit_on_signals

    exit_on_signals()
    from bulletin.cli import main

    try:
        main()
    finally:
        _quiet_shutdown()


def _quiet_shutdown() -> None:
    """The command is over (its outputs published or not, its line printed): Python's own
    shutdown now puts the default handlers back, so a stop signal arriving in its last
    moments would kill the process with no line and a killed status. Hold them off."""
    import signal

    from bulletin.lifecycle import STOP_SIGNALS

    if hasattr(signal, "pthread_sigmask"):
        signal.pthread_sigmask(signal.SIG_BLOCK, STOP_SIGNALS)


if __name__ == "__main__":
    run()
