"""The files a configuration's expressions may read (`file`, `templatefile`...), and `path.*`.

Terraform runs in the root module's directory: `path.root` is ".", `path.module` is the module's
directory relative to it ("modules/app", ".terraform/modules/vpc"), `path.cwd` is its absolute
path, and a relative path given to a file function is relative to it. Every read goes through
`ConfigFiles`, which reads only inside the configuration's repository (the nearest folder above
the root module holding `.git`, else the root module's own folder): a path that leads outside,
by `..`, an absolute path or a symlink, is not read and its value stays unknown.
"""

from __future__ import annotations

import os
import stat

from tflint_sg.config import Unknown
from tflint_sg.load.expressions.values import Missing
from tflint_sg.paths import repository_root

# Terraform reads any size; a file this large is not configuration that carries network facts.
MAX_FILE_BYTES = 4 * 1024 * 1024


class ConfigFiles:
    """`notes` receives one line for each file not read because it may not be: the value is
    unknown, and the note says why, so it is never silent."""

    def __init__(self, root_dir: str, notes: list[str] | None = None):
        self.root_dir = os.path.abspath(root_dir)
        self._notes = notes if notes is not None else []
        self.boundary = os.path.realpath(_repository_of(self.root_dir))
        self._contents: dict[str, bytes | Unknown] = {}
        self.parsed_templates: dict[str, object] = {}  # for templatefile: a file's template, parsed once

    def path_values(self, module_dir: str) -> dict[str, str]:
        relative = os.path.relpath(os.path.abspath(module_dir), self.root_dir)
        return {"module": relative.replace(os.sep, "/"), "root": ".", "cwd": self.root_dir}

    def located(self, path: str) -> str | Unknown:
        """The real path `path` names, if it is inside the boundary."""
        if path.startswith("~"):
            return self._refused(f"file {path!r} is in a home directory, outside the repository; not read")
        real = os.path.realpath(os.path.join(self.root_dir, path))
        if os.path.commonpath([real, self.boundary]) != self.boundary:
            return self._refused(f"file {path!r} resolves outside the repository; not read")
        return real

    def _refused(self, why: str) -> Unknown:
        if why not in self._notes:
            self._notes.append(why)
        return Unknown(why)

    def exists(self, path: str) -> bool | Unknown:
        real = self.located(path)
        if isinstance(real, Unknown):
            return real
        try:
            mode = os.stat(real).st_mode
        except FileNotFoundError:
            return False
        except OSError as error:
            return Unknown(f"{path!r} cannot be read: {error.strerror or error}")
        if stat.S_ISDIR(mode):
            return Missing(f"{path!r} is a directory, not a file")
        return stat.S_ISREG(mode)

    def read(self, path: str) -> bytes | Unknown:
        """A file's bytes; `Missing` (Terraform's error) when there is no such file."""
        real = self.located(path)
        if isinstance(real, Unknown):
            return real
        if real not in self._contents:
            self._contents[real] = _read_capped(real, path)
        data = self._contents[real]
        if isinstance(data, Unknown) and not isinstance(data, Missing):
            return self._refused(data.reason)
        return data


def _read_capped(real: str, path: str) -> bytes | Unknown:
    try:
        with open(real, "rb") as handle:
            if not stat.S_ISREG(os.fstat(handle.fileno()).st_mode):
                return Missing(f"{path!r} is not a file")
            data = handle.read(MAX_FILE_BYTES + 1)
    except FileNotFoundError:
        return Missing(f"no file exists at {path!r}")
    except IsADirectoryError:
        return Missing(f"{path!r} is a directory, not a file")
    except OSError as error:
        return Unknown(f"file {path!r} cannot be read: {error.strerror or error}")
    if len(data) > MAX_FILE_BYTES:
        return Unknown(f"file {path!r} is larger than {MAX_FILE_BYTES // (1024 * 1024)} MB; not read")
    return data


def _repository_of(root_dir: str) -> str:
    found = repository_root(root_dir)  # (the working directory when no folder above has .git)
    if os.path.exists(os.path.join(found, ".git")) and os.path.commonpath([found, root_dir]) == found:
        return found
    return root_dir
