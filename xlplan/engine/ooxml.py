"""An independent check of a written package: openxml-audit, a pure-Python port of the
Open XML SDK's validator (the schema and relationship checks Microsoft's SDK runs, plus a few
rules of what Excel repairs or rewrites on opening).

It is a dev dependency, imported only when a package is validated, so the CLI does not load it
(or its schemas) at start-up. Meant for the files xlplan writes: it parses with lxml's defaults,
not the hardened parser the reader (``xlplan.reader``) uses on files from outside.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any


@dataclass(frozen=True)
class Findings:
    """The validator's findings on one package, each one line: ``part: message``.

    ``errors`` are violations of the OOXML schema as the Open XML SDK enforces it (element
    order, required elements, attribute values) or of package integrity (relationships,
    content types): what Excel may refuse or "repair". ``warnings`` are the validator's
    Excel app-compat findings: valid markup that Excel rewrites when it saves the file.
    """

    errors: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


@functools.cache
def _validator() -> Any:
    """One validator per process: building it and loading its schemas takes ~0.4 s once."""
    from openxml_audit import FileFormat, OpenXmlValidator

    return OpenXmlValidator(file_format=FileFormat.OFFICE_2019, max_errors=0)


def _line(finding: Any) -> str:
    part = str(finding.part_uri) or "(package)"
    message = " ".join(str(finding.description).split())
    where = str(finding.path or "")
    return f"{part}: {message} (at {where})" if where else f"{part}: {message}"


def package_findings(path: str | Path) -> Findings:
    """Every error and warning the validator reports on the .xlsx at ``path``."""
    from openxml_audit import ValidationSeverity

    result = _validator().validate(Path(path))
    out = Findings()
    for finding in result.errors:
        if finding.severity == ValidationSeverity.ERROR:
            out.errors.append(_line(finding))
        elif finding.severity == ValidationSeverity.WARNING:
            out.warnings.append(_line(finding))
    return out


def validate_package(path: str | Path) -> list[str]:
    """The validator's errors on the .xlsx at ``path`` (none: the package is valid); its
    warnings are in ``package_findings(path).warnings``."""
    return package_findings(path).errors
