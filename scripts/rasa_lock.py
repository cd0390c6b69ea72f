"""Lock, install and check the Rasa server env (Python 3.11) from requirements-rasa.txt.

    make rasa-lock          # lock, then rebuild .venv-rasa from the new lock (install + check)
    python3.11 scripts/rasa_lock.py lock                       # requirements-rasa.txt -> .lock
    python3.11 scripts/rasa_lock.py install .venv-rasa/bin/python   # the lock, exactly, into a venv
    .venv-rasa/bin/python scripts/rasa_lock.py check           # pip check + the env is the lock
    .venv-rasa/bin/python scripts/rasa_lock.py fingerprint     # names the env (models/.trained)

Why a lock of our own: rasa 3.6.21 and rasa-sdk 3.6.2 (the last open releases) declare
Requires-Python <3.11, which is a declaration, not a limit (docs/benchmarks.md). So `lock` "lifts"
every pin of requirements-rasa.txt whose Requires-Python excludes this interpreter: the lifted
package leaves pip's resolution, its own requirements take its place, with their environment
markers evaluated as on Python 3.10, the last version it declares. That matters: rasa requires
numpy, scipy, scikit-learn and dask only under `python_version < "3.11"`; read on 3.11 those
requirements vanish and pip picks e.g. scipy 1.18, which needs Python 3.12 (the same happens with
a bare --ignore-requires-python). pip then resolves everything else on this interpreter, honouring
every other package's Requires-Python. A pin in requirements-rasa.txt replaces a lifted package's
requirement on the same name: that is how matplotlib 3.6.3 (the first with cp311 wheels) replaces
rasa's `matplotlib<3.6`, the one conflict `check` accepts (Rasa only draws plots with it, in
`rasa test`, through the stable pyplot API).

The lock holds one line per distribution with the sha256 of the file pip chose here (CPython 3.11
on Linux x86_64, the target of .venv-rasa and deploy/Dockerfile.rasa): a manylinux wheel, or the
sdist where no cp311 wheel exists (multidict 5.2.0, which sanic 21.12 needs below 6; gcc and the
Python headers build it). `install` puts setuptools and wheel in first and builds that sdist
against them (--no-build-isolation), so every file installed is one the lock names by hash.
pip's vendored `packaging` is used because it is present in every env this script runs in.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import re
import subprocess
import sys
import tempfile
import venv
from importlib import metadata
from pathlib import Path

from pip._vendor.packaging.markers import default_environment
from pip._vendor.packaging.requirements import Requirement
from pip._vendor.packaging.specifiers import SpecifierSet
from pip._vendor.packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parent.parent
REQUIREMENTS = ROOT / "requirements-rasa.txt"
LOCK = ROOT / "requirements-rasa.lock"
TARGET = (3, 11)
# Markers of a lifted package are read as on the last Python it declares (what it was tested on).
LIFTED_MARKER_PYTHON = "3.10.13"
# (package, requirement it declares) pairs whose range the lock knowingly leaves: see the docstring.
ACCEPTED_CONFLICTS = {("rasa", "matplotlib")}
BOOTSTRAP = ("setuptools", "wheel")
INSTALL_FLAGS = ("--no-deps", "--require-hashes", "--ignore-requires-python", "--no-input")


def pip(python: str, *args: str) -> subprocess.CompletedProcess[str]:
    cmd = [python, "-m", "pip", "--disable-pip-version-check", *args]
    return subprocess.run(cmd, check=True, text=True, capture_output=True)


def read_pins(path: Path) -> list[Requirement]:
    pins = []
    for line in path.read_text().splitlines():
        line = line.split("#", 1)[0].strip()
        if not line:
            continue
        req = Requirement(line)
        spec = list(req.specifier)
        if len(spec) != 1 or spec[0].operator != "==":
            sys.exit(f"{path.name}: pin every requirement exactly (name==version): {line}")
        pins.append(req)
    return pins


def dry_run(python: str, requirements: list[str], work: Path, *extra: str) -> list[dict]:
    """pip's own resolution (nothing installed): one report entry per distribution."""
    req_file = work / f"in-{len(list(work.iterdir()))}.txt"
    req_file.write_text("\n".join(requirements) + "\n")
    report = req_file.with_suffix(".json")
    pip(python, "install", "--dry-run", "--ignore-installed", "--quiet", "--report", str(report),
        *extra, "-r", str(req_file))  # fmt: skip
    return json.loads(report.read_text())["install"]


def sha256_of(item: dict) -> str:
    info = item["download_info"]
    digest = info.get("archive_info", {}).get("hashes", {}).get("sha256")
    if not digest:
        sys.exit(f"no sha256 for {info['url']}: the index must publish file hashes")
    return digest


def excludes_target(requires_python: str | None) -> bool:
    return bool(requires_python) and not SpecifierSet(requires_python).contains(
        ".".join(map(str, (*TARGET, 99)))
    )


def lifted_markers() -> dict[str, str]:
    env = default_environment()
    env.update(python_version=LIFTED_MARKER_PYTHON[:4], python_full_version=LIFTED_MARKER_PYTHON)
    return {**env, "extra": ""}


def lock(args: argparse.Namespace) -> None:
    if sys.version_info[:2] != TARGET:
        sys.exit(
            f"run the lock with Python {TARGET[0]}.{TARGET[1]} (this is {sys.version.split()[0]})"
        )
    pins = read_pins(REQUIREMENTS)
    pinned = {canonicalize_name(p.name): p for p in pins}
    with tempfile.TemporaryDirectory(prefix="rasa-lock-") as tmp:
        work = Path(tmp)
        venv.create(work / "venv", with_pip=True)
        python = str(work / "venv" / "bin" / "python")
        # Exact pins, no dependencies: only reads each pin's metadata (and the hash of its file).
        own = dry_run(python, [str(p) for p in pins], work, "--no-deps", "--ignore-requires-python")
        lifted = [i for i in own if excludes_target(i["metadata"].get("requires_python"))]
        lifted_names = {canonicalize_name(i["metadata"]["name"]) for i in lifted}
        markers = lifted_markers()
        wanted = [str(p) for p in pins if canonicalize_name(p.name) not in lifted_names]
        for item in lifted:
            for line in item["metadata"].get("requires_dist", []):
                req = Requirement(line)
                if req.marker and not req.marker.evaluate(markers):
                    continue
                if canonicalize_name(req.name) in pinned:
                    continue  # lifted itself, or pinned in requirements-rasa.txt (which wins)
                req.marker = None
                wanted.append(str(req))
        resolved = dry_run(python, wanted, work)
    entries = {}
    for item in [*resolved, *lifted]:
        meta = item["metadata"]
        note = "  # Requires-Python " + meta["requires_python"] if item in lifted else ""
        entries[canonicalize_name(meta["name"])] = (
            f"{meta['name']}=={meta['version']} --hash=sha256:{sha256_of(item)}{note}"
        )
    header = [
        "# The complete Rasa server env: .venv-rasa (Makefile) and deploy/Dockerfile.rasa, CPython 3.11,",
        "# Linux x86_64. Generated by `make rasa-lock` (scripts/rasa_lock.py) from requirements-rasa.txt;",
        "# do not edit. Installed exactly, without resolution, by `scripts/rasa_lock.py install`:",
        f"#   pip install {' '.join(INSTALL_FLAGS)} --no-build-isolation -r requirements-rasa.lock",
        f"# python: {TARGET[0]}.{TARGET[1]}",
    ]
    text = "\n".join([*header, *(entries[k] for k in sorted(entries))]) + "\n"
    changed = not LOCK.exists() or LOCK.read_text() != text
    if changed:  # an unchanged lock keeps its mtime: make then keeps the env
        LOCK.write_text(text)
    print(
        f"{LOCK.name}: {len(entries)} distributions, lifted: {', '.join(sorted(lifted_names))}"
        f" ({'updated' if changed else 'unchanged'})"
    )


def lock_lines() -> list[str]:
    return [ln for ln in LOCK.read_text().splitlines() if ln and not ln.startswith("#")]


def install(args: argparse.Namespace) -> None:
    """Setuptools and wheel first, then everything, so sdists build against the locked ones."""
    lines = lock_lines()
    with tempfile.TemporaryDirectory(prefix="rasa-install-") as tmp:
        bootstrap = Path(tmp) / "bootstrap.txt"
        bootstrap.write_text(
            "\n".join(ln for ln in lines if canonicalize_name(ln.split("==")[0]) in BOOTSTRAP)
        )
        cmd = [args.python, "-m", "pip", "install", "--quiet", "--disable-pip-version-check"]
        subprocess.run([*cmd, *INSTALL_FLAGS, "-r", str(bootstrap)], check=True)
        subprocess.run([*cmd, *INSTALL_FLAGS, "--no-build-isolation", "-r", str(LOCK)], check=True)


PIP_CHECK_LINE = re.compile(
    r"^(?P<pkg>\S+) \S+ (?:has requirement|requires) (?P<req>[A-Za-z0-9._-]+)"
)


def pip_check_problems(output: str) -> list[str]:
    """The lines of `pip check` output that are not the accepted conflicts."""
    found = []
    for line in output.splitlines():
        m = PIP_CHECK_LINE.match(line)
        pair = (canonicalize_name(m["pkg"]), canonicalize_name(m["req"])) if m else None
        if (
            line.strip()
            and line != "No broken requirements found."
            and pair not in ACCEPTED_CONFLICTS
        ):
            found.append(f"pip check: {line}")
    return found


def lock_mismatches(locked: dict[str, str], installed: dict[str, str]) -> list[str]:
    """Every distribution whose installed version is not the locked one (or is extra, or missing)."""
    return [
        f"{name}: locked {locked.get(name)}, installed {installed.get(name)}"
        for name in sorted(locked.keys() | installed.keys())
        if locked.get(name) != installed.get(name)
    ]


def lifted_problems(package: str, requires: list[str], installed: dict[str, str]) -> list[str]:
    """A lifted package's requirements as on Python 3.10 (pip check reads them as on 3.11)."""
    markers = lifted_markers()
    found = []
    for line in requires:
        req = Requirement(line)
        name = canonicalize_name(req.name)
        if req.marker and not req.marker.evaluate(markers):
            continue
        have = installed.get(name)
        if (canonicalize_name(package), name) in ACCEPTED_CONFLICTS:
            continue
        if have is None or not req.specifier.contains(have, prereleases=True):
            found.append(f"{package} requires {req} (as on Python 3.10), installed: {have}")
    return found


def locked_versions() -> dict[str, str]:
    return {
        canonicalize_name(ln.split("==")[0]): ln.split("==")[1].split()[0] for ln in lock_lines()
    }


def problems() -> list[str]:
    """Everything wrong with the running env against the lock; empty when it is exact and sound."""
    found = []
    if sys.version_info[:2] != TARGET:
        found.append(
            f"the Rasa env runs Python {sys.version.split()[0]}, not {TARGET[0]}.{TARGET[1]}"
        )
    dists = list(metadata.distributions())
    installed = {canonicalize_name(d.metadata["Name"]): d.version for d in dists}
    installed.pop("pip", None)
    found += lock_mismatches(locked_versions(), installed)
    out = subprocess.run(
        [sys.executable, "-m", "pip", "check", "--disable-pip-version-check"],
        text=True, capture_output=True, check=False,
    )  # fmt: skip
    found += pip_check_problems(out.stdout)
    for dist in dists:
        if excludes_target(dist.metadata["Requires-Python"]):
            found += lifted_problems(dist.metadata["Name"], dist.requires or [], installed)
    return found


def check(args: argparse.Namespace) -> None:
    found = problems()
    for line in found:
        print(f"rasa env: {line}", file=sys.stderr)
    if found:
        sys.exit(f"the Rasa env ({sys.prefix}) does not match {LOCK.name}; see above")
    print(
        f"rasa env OK: Python {sys.version.split()[0]}, exactly {LOCK.name}, pip check: only the "
        f"accepted {', '.join(f'{p} -> {r}' for p, r in sorted(ACCEPTED_CONFLICTS))}"
    )


def env_fingerprint() -> str:
    """What trained a model: this interpreter and the lock it ran (make train writes it)."""
    digest = hashlib.sha256(LOCK.read_bytes()).hexdigest()
    return f"python {sys.version.split()[0]}\n{LOCK.name} sha256:{digest}\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(required=True)
    sub.add_parser("lock", help="resolve requirements-rasa.txt into the lock").set_defaults(
        func=lock
    )
    p = sub.add_parser("install", help="install the lock into the venv of PYTHON")
    p.add_argument("python")
    p.set_defaults(func=install)
    sub.add_parser("check", help="check the running env against the lock").set_defaults(func=check)
    sub.add_parser("fingerprint", help="print what identifies the running env").set_defaults(
        func=lambda _: print(env_fingerprint(), end="")
    )
    args = parser.parse_args()
    args.func(args)


if __name__ == "__main__":
    main()
