"""What pip installed, read off the directory beside a package: the version of a distribution
and the header lines of its metadata.

importlib.metadata answers the same questions but costs 10-15 ms to import (it brings the email
package) and scans every entry of sys.path; a run needs two or three answers, all about packages
it has already found. A wheel installs `<name>-<version>.dist-info` beside its top-level
package, so that folder alone tells. When it is not there (an egg, an unusual installer),
importlib.metadata still answers.
"""

from __future__ import annotations

import importlib.util
import os
import re


def version(distribution: str, package: str) -> str | None:
    """The installed version of `distribution`, whose top-level import name is `package`; None
    when it is not installed."""
    info = _dist_info(distribution, package)
    if info is not None:
        return info[1]
    from importlib.metadata import PackageNotFoundError
    from importlib.metadata import version as metadata_version

    try:
        return metadata_version(distribution)
    except PackageNotFoundError:
        return None


def metadata_headers(distribution: str, package: str, name: str) -> list[str] | None:
    """The values of header `name` in the distribution's metadata, in order; None when the
    distribution is not installed (a source checkout that was never installed)."""
    info = _dist_info(distribution, package)
    if info is None:
        return _headers_from_importlib(distribution, name)
    wanted = name.lower() + ":"
    values = []
    try:
        with open(os.path.join(info[0], "METADATA"), encoding="utf-8", errors="replace") as handle:
            for line in handle:
                if line in ("\n", "\r\n"):  # the headers end at the first empty line; the description follows
                    break
                if line[:1] in (" ", "\t"):  # a folded header's continuation (an old Description)
                    continue
                if line.lower().startswith(wanted):
                    values.append(line[len(wanted):].strip())
    except OSError:
        return _headers_from_importlib(distribution, name)
    return values


def _headers_from_importlib(distribution: str, name: str) -> list[str] | None:
    # An egg, a zip, an editable install whose metadata is not beside the package.
    from importlib.metadata import PackageNotFoundError, metadata

    try:
        return metadata(distribution).get_all(name) or []
    except PackageNotFoundError:
        return None


def _dist_info(distribution: str, package: str) -> tuple[str, str] | None:
    """(the .dist-info folder, the version its name gives) beside `package`, or None."""
    try:
        spec = importlib.util.find_spec(package)
    except (ImportError, ValueError):
        return None
    if spec is None or not spec.origin or not spec.submodule_search_locations:
        return None
    folder = os.path.dirname(os.path.dirname(spec.origin))
    wanted = _normalized(distribution)
    try:
        names = os.listdir(folder)
    except OSError:
        return None
    for entry in sorted(names):
        if entry.endswith(".dist-info") and "-" in entry:
            name, _, found = entry[: -len(".dist-info")].partition("-")
            if _normalized(name) == wanted:
                return os.path.join(folder, entry), found
    return None


def _normalized(name: str) -> str:
    return re.sub(r"[-_.]+", "_", name).lower()
