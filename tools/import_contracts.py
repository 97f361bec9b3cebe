"""import-linter contract for the seams between plugins, read from the plugins' own declarations.

The built-in contract types cannot say "only the modules this plugin calls public, and only when the
importer lists that plugin in ``requires``": those lists live in each plugin's ``PLUGIN`` (``PluginInfo``
in core/plugins.py), so this contract reads them there instead of copying them into configuration.

For every import made by a module under ``plugins.<x>`` (direct imports only: an indirect chain is
made of direct imports that are each checked):

- into ``core``: only the toolkit modules given in the contract (``core.api``, ``core.toolkit``);
- into another plugin ``plugins.<y>``: only modules ``<y>`` declares public (``public_modules``, plus its
  ``hookspecs`` module), and only if ``<x>`` names ``<y>`` in ``requires`` or the import is lazy
  (inside a function, or under ``if TYPE_CHECKING:``) so ``<x>`` still loads without ``<y>``. A module that
  its own plugin imports only inside optional hook implementations (``@hookimpl(optionalhook=True)``: an
  integration module such as ``plugins.diary.reports``) counts as lazy as a whole.
"""
from __future__ import annotations

import ast
import importlib
import importlib.util
import pkgutil
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from grimp import ImportGraph
from importlinter import Contract, ContractCheck, fields, output


@dataclass(frozen=True)
class Declaration:
    """What one plugin package says about itself, as the contract needs it."""

    package: str  # plugins.gradebook
    name: str  # gradebook (PluginInfo.name, which requires refers to)
    requires: frozenset[str]
    public: frozenset[str]  # dotted module names


@dataclass(frozen=True, order=True)
class Violation:
    importer: str
    imported: str
    line: int
    reason: str

    def __str__(self) -> str:
        return f"{self.importer} -> {self.imported} (l. {self.line}): {self.reason}"


def plugin_declarations(plugins_package: str = "plugins") -> dict[str, Declaration]:
    """Each plugin package's declaration, by package name, read from its ``PLUGIN``."""
    root = importlib.import_module(plugins_package)
    found: dict[str, Declaration] = {}
    for info in pkgutil.iter_modules(root.__path__):
        if not info.ispkg:
            continue
        package = f"{plugins_package}.{info.name}"
        plugin = getattr(importlib.import_module(package), "PLUGIN", None)
        if plugin is None:
            continue
        public = {f"{package}.{m}" for m in getattr(plugin, "public_modules", ())}
        if getattr(plugin, "hookspecs", None) is not None:
            public.add(plugin.hookspecs.__name__)
        found[package] = Declaration(package, plugin.name, frozenset(plugin.requires), frozenset(public))
    return found


@cache
def _lazy_lines(path: str) -> frozenset[int]:
    """Lines of imports that run only when called: inside a function or under ``if TYPE_CHECKING:``."""
    tree = ast.parse(Path(path).read_text(encoding="utf-8"))
    lazy: set[int] = set()

    def visit(node: ast.AST, is_lazy: bool) -> None:
        if isinstance(node, ast.Import | ast.ImportFrom) and is_lazy:
            lazy.update(range(node.lineno, (node.end_lineno or node.lineno) + 1))
        for child in ast.iter_child_nodes(node):
            child_lazy = is_lazy or isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda)
            if isinstance(node, ast.If) and child in node.body and "TYPE_CHECKING" in ast.unparse(node.test):
                child_lazy = True
            visit(child, child_lazy)

    visit(tree, False)
    return frozenset(lazy)


@cache
def _optional_hook_lines(path: str) -> frozenset[int]:
    """Lines of imports inside functions decorated ``@hookimpl(optionalhook=True)``."""
    tree = ast.parse(Path(path).read_text(encoding="utf-8"))
    lines: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and any(
                "optionalhook=True" in ast.unparse(d) for d in node.decorator_list):
            for inner in ast.walk(node):
                if isinstance(inner, ast.Import | ast.ImportFrom):
                    lines.update(range(inner.lineno, (inner.end_lineno or inner.lineno) + 1))
    return frozenset(lines)


def _module_file(module: str) -> str | None:
    spec = importlib.util.find_spec(module)
    return spec.origin if spec and spec.origin and spec.origin.endswith(".py") else None


def _owner(module: str, plugins_package: str) -> str | None:
    parts = module.split(".")
    if parts[0] != plugins_package or len(parts) < 2:
        return None
    return ".".join(parts[:2])


def _within(module: str, prefixes: frozenset[str] | tuple[str, ...]) -> bool:
    return any(module == p or module.startswith(p + ".") for p in prefixes)


def _eager_lines(graph: ImportGraph, importer: str, imported: str) -> list[int]:
    """Lines where ``importer`` imports ``imported`` when ``importer`` itself is loaded."""
    details = graph.get_import_details(importer=importer, imported=imported)
    path = _module_file(importer)
    lazy = _lazy_lines(path) if path else frozenset()
    return [d["line_number"] for d in details if d["line_number"] not in lazy]


def _only_optional_hook_lines(graph: ImportGraph, importer: str, imported: str) -> bool:
    details = graph.get_import_details(importer=importer, imported=imported)
    path = _module_file(importer)
    hooks = _optional_hook_lines(path) if path else frozenset()
    return all(d["line_number"] in hooks for d in details)


def _loaded_by_optional_hooks(graph: ImportGraph, module: str, plugins_package: str,
                              seen: frozenset[str] = frozenset()) -> bool:
    """True when ``module`` is loaded only by optional hook implementations of its own plugin (directly,
    or through modules that are themselves loaded only so). A package's ``__init__`` is always loaded."""
    own = _owner(module, plugins_package)
    if own is None or module == own:
        return False
    if module in seen:
        return True
    importers = [m for m in graph.find_modules_that_directly_import(module) if _owner(m, plugins_package) == own]
    return bool(importers) and all(
        _only_optional_hook_lines(graph, m, module) or _loaded_by_optional_hooks(graph, m, plugins_package, seen | {module})
        for m in importers)


def find_violations(graph: ImportGraph, declarations: dict[str, Declaration], core_package: str,
                    toolkit: tuple[str, ...], plugins_package: str = "plugins") -> list[Violation]:
    violations: list[Violation] = []
    for importer in sorted(graph.modules):
        own = _owner(importer, plugins_package)
        if own is None:
            continue
        for imported in sorted(graph.find_modules_directly_imported_by(importer)):
            details = graph.get_import_details(importer=importer, imported=imported)
            line = min((d["line_number"] for d in details), default=0)
            if _within(imported, (core_package,)):
                if not _within(imported, toolkit):
                    violations.append(Violation(importer, imported, line,
                                                f"core internals; plugins use only {', '.join(toolkit)}"))
                continue
            other = _owner(imported, plugins_package)
            if other is None or other == own or other not in declarations:
                continue
            target, source = declarations[other], declarations.get(own)
            if not _within(imported, target.public):
                public = ", ".join(sorted(target.public)) or "none declared"
                violations.append(Violation(importer, imported, line,
                                            f"private to {target.name}; its public modules: {public}"))
                continue
            if source is not None and target.name in source.requires:
                continue
            eager = _eager_lines(graph, importer, imported)
            if eager and not _loaded_by_optional_hooks(graph, importer, plugins_package):
                violations.append(Violation(importer, imported, min(eager),
                                            f"{own} does not declare '{target.name}' in requires "
                                            f"(declare it, or import lazily inside the hook that needs it)"))
    return violations


class PluginBoundariesContract(Contract):
    """Plugins import the core toolkit only, and other plugins' public modules only when declared."""

    core_package = fields.StringField(default="core")
    plugins_package = fields.StringField(default="plugins")
    toolkit_modules = fields.ListField(subfield=fields.StringField())

    def check(self, graph: ImportGraph, verbose: bool) -> ContractCheck:
        declarations = plugin_declarations(str(self.plugins_package))
        output.verbose_print(verbose, f"Plugins declared: {', '.join(sorted(declarations))}")
        violations = find_violations(graph, declarations, str(self.core_package),
                                     tuple(str(m) for m in self.toolkit_modules), str(self.plugins_package))
        return ContractCheck(kept=not violations, metadata={"violations": violations})

    def render_broken_contract(self, check: ContractCheck) -> None:
        violations: list[Any] = check.metadata["violations"]
        for violation in violations:
            output.print_error(str(violation), bold=False)
        output.new_line()
        output.print(f"{len(violations)} forbidden imports. Public modules and requires are declared in each "
                     "plugin's PLUGIN = PluginInfo(..., requires=..., public_modules=...).")
