"""Two import-linter contract types of our own, used by pyproject.toml's [tool.importlinter].

- `forbidden_by_any_path`: import-linter's `forbidden` (direct and indirect imports), where a module
  named in a string counts as imported. grimp reads only import statements, and a layer leaks just
  as well through `importlib.import_module("ivr.voice.models")` or a list of plug-in names.
- `no_cycles`: no import cycle among the modules of each listed package. Every import statement
  counts: at module level, inside a function, under TYPE_CHECKING, and modules named in strings.

Both take import-linter's `ignore_imports` (an unmatched one is an error, so a listed exception is
deleted as soon as the import it excuses is gone). Run through `make contracts` (lint-imports).
"""

from __future__ import annotations

import ast
import importlib.util
from functools import cache
from itertools import pairwise
from pathlib import Path

import grimp
from importlinter.application import contract_utils, output
from importlinter.application.contract_utils import AlertLevel
from importlinter.contracts.forbidden import ForbiddenContract
from importlinter.domain import fields
from importlinter.domain.contract import Contract, ContractCheck


@cache
def _package_dir(root: str) -> Path:
    spec = importlib.util.find_spec(root)  # a top-level package: found, not imported
    if spec is None or not spec.submodule_search_locations:
        raise ValueError(f"{root} is not a package on the path")
    return Path(next(iter(spec.submodule_search_locations)))


def module_file(module: str, package_module: bool) -> Path:
    root, *rest = module.split(".")
    base = _package_dir(root).joinpath(*rest)
    return base / "__init__.py" if package_module else base.with_suffix(".py")


def named_modules(path: Path, known: frozenset[str]) -> list[tuple[str, int, str]]:
    """Modules named by a whole string constant in the file (docstrings and comments aside)."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    statements = {id(node.value) for node in ast.walk(tree) if isinstance(node, ast.Expr)}
    lines = path.read_text(encoding="utf-8").splitlines()
    return [
        (node.value, node.lineno, lines[node.lineno - 1].strip())
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant)
        and isinstance(node.value, str)
        and node.value in known
        and id(node) not in statements
    ]


def add_named_imports(graph: grimp.ImportGraph) -> None:
    """Adds `importer -> imported` for each internal module named in a string in another one."""
    internal = frozenset(m for m in graph.modules if not graph.is_module_squashed(m))
    for module in sorted(internal):
        is_package = bool(graph.find_children(module))
        path = module_file(module, is_package)
        if not path.exists():  # a namespace package or an empty package directory
            continue
        for imported, line, contents in named_modules(path, internal):
            if imported != module:
                graph.add_import(
                    importer=module, imported=imported, line_number=line, line_contents=contents
                )


class ForbiddenByAnyPathContract(ForbiddenContract):
    type_name = "forbidden_by_any_path"

    def check(self, graph: grimp.ImportGraph, verbose: bool) -> ContractCheck:
        add_named_imports(graph)
        return super().check(graph, verbose)


def import_cycles(graph: grimp.ImportGraph, package: str) -> list[tuple[list[str], list[str]]]:
    """Each set of modules of `package` that import each other in a circle (sorted), with the
    shortest cycle from its first module back to itself."""
    members = {package} | graph.find_descendants(package)
    edges = {m: sorted(graph.find_modules_directly_imported_by(m) & members) for m in members}
    components = [sorted(c) for c in _strongly_connected(members, edges)]
    return [(c, _cycle_through(c, edges)) for c in components]


def _strongly_connected(nodes: set[str], edges: dict[str, list[str]]) -> list[set[str]]:
    """Components of more than one module (Kosaraju, iterative: packages can be deep)."""
    order: list[str] = []
    seen: set[str] = set()
    for start in sorted(nodes):
        if start in seen:
            continue
        seen.add(start)
        stack = [(start, iter(edges[start]))]
        while stack:
            node, successors = stack[-1]
            nxt = next((s for s in successors if s not in seen), None)
            if nxt is None:
                stack.pop()
                order.append(node)
            else:
                seen.add(nxt)
                stack.append((nxt, iter(edges[nxt])))
    reverse: dict[str, list[str]] = {n: [] for n in nodes}
    for node, successors in edges.items():
        for s in successors:
            reverse[s].append(node)
    components, assigned = [], set()
    for start in reversed(order):
        if start in assigned:
            continue
        component, todo = set(), [start]
        assigned.add(start)
        while todo:
            node = todo.pop()
            component.add(node)
            for p in reverse[node]:
                if p not in assigned:
                    assigned.add(p)
                    todo.append(p)
        if len(component) > 1:
            components.append(component)
    return sorted(components, key=sorted)


def _cycle_through(component: list[str], edges: dict[str, list[str]]) -> list[str]:
    """The shortest way from the first module back to itself inside its component."""
    start, inside = component[0], set(component)
    previous: dict[str, str] = {}
    frontier = [start]
    while frontier:
        following = []
        for node in frontier:
            for s in edges[node]:
                if s == start:
                    path = [node]
                    while path[-1] != start:
                        path.append(previous[path[-1]])
                    return [*reversed(path), start]
                if s in inside and s not in previous:
                    previous[s] = node
                    following.append(s)
        frontier = following
    return [*component, component[0]]  # not reached: a component always closes


class NoCyclesContract(Contract):
    type_name = "no_cycles"

    packages = fields.ListField(subfield=fields.StringField())
    include_named_modules = fields.BooleanField(required=False, default=True)
    ignore_imports = fields.SetField(subfield=fields.ImportExpressionField(), required=False)
    unmatched_ignore_imports_alerting = fields.EnumField(AlertLevel, default=AlertLevel.ERROR)

    def check(self, graph: grimp.ImportGraph, verbose: bool) -> ContractCheck:
        if self.include_named_modules:
            add_named_imports(graph)
        removal = contract_utils.remove_ignored_imports_and_report(
            graph=graph,
            ignore_imports=self.ignore_imports,  # type: ignore[arg-type]
            unmatched_alerting=self.unmatched_ignore_imports_alerting,  # type: ignore[arg-type]
        )
        found = []
        for package in self.packages:  # type: ignore[attr-defined]
            if package not in graph.modules:
                raise ValueError(f"no_cycles: package {package} is not in the graph")
            for modules, cycle in import_cycles(graph, package):
                steps = [
                    (
                        a,
                        b,
                        [
                            d["line_number"]
                            for d in graph.get_import_details(importer=a, imported=b)
                        ],
                    )
                    for a, b in pairwise(cycle)
                ]
                found.append({"package": package, "modules": modules, "steps": steps})
        return ContractCheck(
            kept=not found,
            warnings=list(removal.warnings),
            ignored_import_count=removal.ignored_import_count,
            metadata={"cycles": found},
        )

    def render_broken_contract(self, check: ContractCheck) -> None:
        for item in check.metadata["cycles"]:
            modules = item["modules"]
            output.print_error(
                f"{item['package']}: {len(modules)} modules import each other in a circle: "
                + ", ".join(modules)
            )
            output.print_error("For example:", bold=False)
            for importer, imported, lines in item["steps"]:
                where = ", ".join(f"line {n}" for n in lines if n) or "line ?"
                output.print_error(f"- {importer} -> {imported} ({where})", bold=False)
            output.new_line()
