"""Build hook: compile the message catalogs into the wheel.

Everything else lives in setup.cfg. The ``.mo`` files are build products (gitignored), so ``build_py``
compiles each package's ``translations/*/LC_MESSAGES/*.po`` into the build tree. The wheel then carries
only the compiled catalogs (setup.cfg excludes ``*.po``), so the app's compile-on-change check
(``core.i18n.compile_catalogs``) finds nothing to redo and never writes into site-packages.
"""
from __future__ import annotations

from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py


class BuildPyWithCatalogs(build_py):
    def run(self) -> None:
        super().run()
        if getattr(self, "editable_mode", False):  # a checkout compiles its catalogs on start-up
            return
        from babel.messages.mofile import write_mo
        from babel.messages.pofile import read_po

        for package in self.packages or ():
            source = Path(self.get_package_dir(package))
            target = Path(self.build_lib, *package.split("."))
            for po_path in source.glob("translations/*/LC_MESSAGES/*.po"):
                mo_path = target / po_path.relative_to(source).with_suffix(".mo")
                mo_path.parent.mkdir(parents=True, exist_ok=True)
                with po_path.open("rb") as fh:
                    catalog = read_po(fh)
                with mo_path.open("wb") as fh:
                    write_mo(fh, catalog)


setup(cmdclass={"build_py": BuildPyWithCatalogs})
