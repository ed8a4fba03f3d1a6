"""bulletin: Kyrgyz news releases in, podcast-ready audio out.

Stages, each a module with plain data between them:
``document`` (read, structure) -> ``text`` (normalise) -> ``script`` -> ``synth``
-> ``audio`` (timeline, master) -> ``publish`` (tags, chapters, captions, manifest);
``make`` runs them in order and ``cli`` is the command line.
"""

__version__ = "0.2.0"
