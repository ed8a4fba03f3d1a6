"""``python -m bulletin`` is the ``bulletin`` command (the console script calls :func:`run`)."""

import os
import signal

# What a command stops on (bulletin.lifecycle.STOP_SIGNALS, named here so that the first
# thing the process does needs no import of ours)
_STOP_NAMES = ("SIGTERM", "SIGINT", "SIGHUP")


def _exit_now(signum: int, frame: object) -> None:
    name = signal.Signals(signum).name
    os.write(2, f"bulletin: interrupted by {name} while starting; nothing was done\n".encode())
    os._exit(128 + signum)


def _exit_on_signals() -> None:
    """For the command's first moments, before it has anything to clean up (importing the
    command line, reading its options): a stop signal ends the process at once with one
    line and exit 128 + signal, not a traceback from the middle of an import.
    :func:`bulletin.lifecycle.stop_on_signals` takes over inside a command. A signal
    ignored on entry (``nohup``'s SIGHUP) stays ignored."""
    for name in _STOP_NAMES:
        signum = getattr(signal, name, None)
        if signum is not None and signal.getsignal(signum) != signal.SIG_IGN:
            signal.signal(signum, _exit_now)


def run() -> None:
    """Stop signals end the command quietly from the first moment (one line, exit 128 +
    signal) until a command takes them over; then the command line itself."""
    _exit_on_signals()
    from bulletin.cli import main

    try:
        main()
    finally:
        _quiet_shutdown()


def _quiet_shutdown() -> None:
    """The command is over (its outputs published or not, its line printed): Python's own
    shutdown now puts the default handlers back, so a stop signal arriving in its last
    moments would kill the process with no line and a killed status. Hold them off."""
    if hasattr(signal, "pthread_sigmask"):
        signals = [getattr(signal, name) for name in _STOP_NAMES if hasattr(signal, name)]
        signal.pthread_sigmask(signal.SIG_BLOCK, signals)


if __name__ == "__main__":
    run()
