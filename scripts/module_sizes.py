"""No code module over 300 lines: one that grows past it does several jobs and should split.

Part of `make contracts` (so of `make lint`). Reads [tool.module_sizes] in pyproject.toml:
- `max_lines`: the limit, in lines as an editor counts them;
- `exclude`: path patterns (relative, `/`-separated; `*` also spans folders) that are not code
  modules in this sense: tests, migrations, the message tables;
- `pending`: modules over the limit that are being split, each with its size when listed. One may
  shrink but not grow; once it fits (or is gone) its line must be deleted, so the list only ever
  gets shorter.
Exit status 1 with one line per offender, 0 otherwise.
"""

from __future__ import annotations

import argparse
import fnmatch
import os
import sys
import tomllib
from pathlib import Path

ALWAYS_SKIPPED = {"node_modules", "__pycache__"}  # and every folder whose name starts with a dot


def load_config(root: Path) -> dict:
    with (root / "pyproject.toml").open("rb") as f:
        config = tomllib.load(f)["tool"]["module_sizes"]
    return {
        "max_lines": int(config["max_lines"]),
        "exclude": list(config.get("exclude", [])),
        "pending": {str(k): int(v) for k, v in config.get("pending", {}).items()},
    }


def excluded(relative: str, patterns: list[str]) -> bool:
    return any(fnmatch.fnmatchcase(relative, p) for p in patterns)


def code_modules(root: Path, exclude: list[str]) -> dict[str, int]:
    """Every .py file under `root` that is not excluded, with its line count."""
    sizes = {}
    for folder, subfolders, files in os.walk(root):  # symlinked folders (shared envs) not followed
        subfolders[:] = sorted(
            d for d in subfolders if not d.startswith(".") and d not in ALWAYS_SKIPPED
        )
        for name in sorted(files):
            if not name.endswith(".py"):
                continue
            path = Path(folder, name)
            relative = path.relative_to(root).as_posix()
            if not excluded(relative, exclude):
                sizes[relative] = len(path.read_text(encoding="utf-8").splitlines())
    return sizes


def problems(sizes: dict[str, int], max_lines: int, pending: dict[str, int]) -> list[str]:
    found = []
    for path, lines in sorted(sizes.items()):
        if path in pending:
            if lines > pending[path]:
                found.append(
                    f"{path}: {lines} lines, grown past the {pending[path]} it had when listed as "
                    f"pending (split it; the limit is {max_lines})"
                )
            elif lines <= max_lines:
                found.append(
                    f"{path}: {lines} lines, fits now: delete its line in [tool.module_sizes] pending"
                )
        elif lines > max_lines:
            found.append(f"{path}: {lines} lines, over {max_lines}: split it along its seams")
    for path in sorted(set(pending) - set(sizes)):
        found.append(f"{path}: listed as pending but not found: delete its line")
    return found


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--root", type=Path, default=Path(__file__).resolve().parents[1])
    args = parser.parse_args(argv)
    root = args.root.resolve()
    config = load_config(root)
    sizes = code_modules(root, config["exclude"])
    found = problems(sizes, config["max_lines"], config["pending"])
    for line in found:
        print(line)
    waiting = sorted(p for p in config["pending"] if sizes.get(p, 0) > config["max_lines"])
    summary = f"module sizes: {len(sizes)} code modules, limit {config['max_lines']} lines"
    if waiting:
        summary += f"; {len(waiting)} pending splits: " + ", ".join(
            f"{p} ({sizes[p]})" for p in waiting
        )
    print(summary + (f"; {len(found)} BROKEN" if found else "; KEPT"))
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
