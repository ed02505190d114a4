"""Wheel build hook: compile the EN/RU/KK message catalogs into the wheel.

The compiled ``.mo`` files are not in git (they are built), so a wheel built from a clean
checkout would otherwise serve English only."""

from __future__ import annotations

import tempfile
from pathlib import Path

from hatchling.builders.hooks.plugin.interface import BuildHookInterface


class CompileCatalogs(BuildHookInterface):
    PLUGIN_NAME = "custom"

    def initialize(self, version: str, build_data: dict) -> None:
        from babel.messages.mofile import write_mo
        from babel.messages.pofile import read_po

        root = Path(self.root)
        self._built = tempfile.TemporaryDirectory(prefix="certify-catalogs-")
        for po_file in sorted(root.glob("certify/translations/*/LC_MESSAGES/messages.po")):
            relative = po_file.relative_to(root).with_suffix(".mo")
            target = Path(self._built.name) / relative
            target.parent.mkdir(parents=True, exist_ok=True)
            with po_file.open("rb") as source:
                catalog = read_po(source, locale=po_file.parts[-3])
            with target.open("wb") as out:
                write_mo(out, catalog)
            build_data["force_include"][str(target)] = str(relative)

    def finalize(self, version: str, build_data: dict, artifact_path: str) -> None:
        self._built.cleanup()
