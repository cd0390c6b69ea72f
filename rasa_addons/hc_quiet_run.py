"""`rasa <args>` without its dependencies' warnings: how `make run` starts the Rasa server (Procfile).

    .venv-rasa/bin/python rasa_addons/hc_quiet_run.py run --enable-api ...   # = rasa run ...

Rasa's start-up printed about twenty lines of DeprecationWarnings raised inside its dependencies
(SQLAlchemy, pkg_resources, TensorFlow, matplotlib's pyparsing) before "Rasa server is up".
Python hides such warnings by default, but Sanic, when imported, asks for every DeprecationWarning
"once", and Rasa shows every UserWarning "once"; both filters go in front of any set earlier, so
PYTHONWARNINGS cannot hide them. Hence the last step instead: a warning attributed to a file of
Python or of an installed package is not shown. Warnings from our own code (the hc_* addons,
installed beside Rasa, and the repo) still are, and log records are untouched.

Not installed in the Rasa env (no .pth line): run by path, for development. The image runs `rasa`.
"""

from __future__ import annotations

import os
import sys
import sysconfig
import warnings
from pathlib import Path

HERE = Path(__file__).resolve().parent
# Python's own library and the env's packages; our addons are copied among the latter as hc_*.py.
THIRD_PARTY = tuple(
    {
        str(Path(sysconfig.get_paths()[key]).resolve()) + os.sep
        for key in ("stdlib", "purelib", "platlib")
    }
)
_show = warnings.showwarning


def is_third_party(filename: str) -> bool:
    path = Path(filename)
    if path.name.startswith("hc_"):
        return False
    if not path.is_absolute():  # "<frozen importlib._bootstrap>", "<string>": Python's own
        return filename.startswith("<frozen ")
    return str(path.resolve()).startswith(THIRD_PARTY)


def show_unless_third_party(message, category, filename, lineno, file=None, line=None):  # type: ignore[no-untyped-def]
    if not is_third_party(filename):
        _show(message, category, filename, lineno, file, line)


def main() -> None:  # as the `rasa` script does
    # Run as a script, this folder would come first on the path: import the addons as `rasa`
    # does, from the env, not from here.
    if sys.path and Path(sys.path[0] or ".").resolve() == HERE:
        del sys.path[0]
    warnings.showwarning = show_unless_third_party
    from rasa.__main__ import main as rasa_main

    sys.argv[0] = "rasa"
    sys.exit(rasa_main())


if __name__ == "__main__":
    main()
