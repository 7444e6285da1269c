"""One run of tflint-sg, for every front end: options in, one result per input out.

    Options -> settings -> inputs -> load -> analyze -> severity -> suppression -> baseline

The command line (cli.py), the graph command, the benchmarks and any later front end (an
editor, `--fix`) call `run`; none of them repeats a step. Nothing here prints or knows click:
what a person should read on standard error is collected, in order, in `Outcome.messages`.
"""

from __future__ import annotations

import datetime
import os
from dataclasses import dataclass, field, replace

from tflint_sg.errors import InputError, Unreadable
from tflint_sg.report.common import Checked

# Files whose root module is analyzed when they are named on the command line.
TERRAFORM_FILES = (".tf", ".tf.json", ".tofu", ".tofu.json", ".tfvars", ".tfvars.json")


class RunError(Exception):
    """A problem that stops the whole run (a bad option or settings file): one line for the
    user, after the `messages` the run had collected until then."""

    def __init__(self, text: str, messages: list[tuple[str, str]] = ()):
        super().__init__(text)
        self.messages = list(messages)


@dataclass(frozen=True)
class Options:
    paths: tuple[str, ...]
    var_files: tuple[str, ...] = ()
    var_args: tuple[str, ...] = ()
    # --var-file and --var as they came on the command line (Terraform applies them in that
    # order); None when only the two lists above are known.
    variables_in_order: tuple[tuple[str, str], ...] | None = None
    source: str | None = None
    config_file: str | None = None
    enable_rules: tuple[str, ...] = ()
    disable_rules: tuple[str, ...] = ()
    only_rules: tuple[str, ...] = ()
    baseline_file: str | None = None
    write_baseline_file: str | None = None
    cache: bool = True
    # "check" runs the rules and policies; "graph" only builds the model's document.
    mode: str = "check"
    # A check's report formats, force and severity thresholds; empty, None or False: as the
    # settings say.
    formats: tuple[str, ...] = ()
    force: bool = False
    minimum_failure_severity: str | None = None
    minimum_severity: str | None = None  # findings less severe are left out of the run
    query: str | None = None  # --query, which needs the JSON format
    # Every root module below the directory paths, rather than the ones the paths belong to.
    recursive: bool = False


@dataclass
class Outcome:
    settings: object  # settings.Settings
    rules: list  # the rule modules that ran
    checked: list[Checked] = field(default_factory=list)  # one per input that could be analyzed
    messages: list[tuple[str, str]] = field(default_factory=list)  # ("error" | "warning", text), in order
    unreadable_inputs: list[Unreadable] = field(default_factory=list)  # in order, each also in messages
    formats: tuple[str, ...] = ("text",)  # the options', else the settings'
    threshold: str = "notice"  # the least severe finding that fails the run
    minimum_severity: str = "notice"  # the least severe finding the run reports
    force: bool = False

    @property
    def unreadable(self) -> int:
        """How many inputs could not be loaded."""
        return len(self.unreadable_inputs)

    def cannot_read(self, problem: Unreadable) -> None:
        self.unreadable_inputs.append(problem)
        self.error(problem.text)

    @property
    def failed(self) -> bool:
        """An input was not analyzed, or a rule or policy broke on one: the run must not pass."""
        return self.unreadable > 0 or any(item.result.internal_errors for item in self.checked)

    def error(self, text: str) -> None:
        self.messages.append(("error", text))


def exit_code(outcome: Outcome) -> int:
    """TFLint's codes: 1 when the run failed, else 2 when a finding at least as severe as the
    threshold remains (0 with force), else 0."""
    from tflint_sg.findings import SEVERITIES

    if outcome.failed:
        return 1
    failing = SEVERITIES[: SEVERITIES.index(outcome.threshold) + 1]
    issues = any(f.severity in failing for item in outcome.checked for f in item.result.findings)
    return 2 if issues and not outcome.force else 0


def all_rule_ids() -> list[str]:
    from tflint_sg.rules import ALL_RULES

    return [rule.ID for rule in ALL_RULES]


def read_settings(options: Options):
    """The settings file the options name (or the default one), with the rules it selects checked."""
    from tflint_sg import settings as settings_file

    rule_ids = set(all_rule_ids())
    unknown = sorted((set(options.enable_rules) | set(options.disable_rules) | set(options.only_rules)) - rule_ids)
    if unknown:
        raise RunError(f"no rule named {', '.join(unknown)}; rules: {', '.join(sorted(rule_ids))}")
    try:
        return settings_file.load(settings_file.find(options.config_file), rule_ids)
    except InputError as error:
        raise RunError(str(error)) from None


def selected_rules(options: Options, settings) -> list:
    from tflint_sg.rules import ALL_RULES

    if options.only_rules:
        return [rule for rule in ALL_RULES if rule.ID in options.only_rules]
    disabled = (settings.disabled | set(options.disable_rules)) - set(options.enable_rules)
    return [rule for rule in ALL_RULES if rule.ID not in disabled]


def run(options: Options) -> Outcome:
    """Analyze every input. Raises RunError for what stops the run as a whole; a bad input is
    an error message and a count in the outcome, and the other inputs are still analyzed."""
    from tflint_sg.load.hcl import parse
    from tflint_sg.load.modules import sources

    parse.begin_run(cache=options.cache)
    sources.begin_run()
    try:
        return _run(options)
    finally:
        sources.end_run()
        parse.flush_cache()  # once, for every input of the run


def _run(options: Options) -> Outcome:
    from tflint_sg import baseline, suppress
    from tflint_sg.load.modules.module import InstanceBudget
    from tflint_sg.report import WITH_GRAPH

    settings = read_settings(options)
    checking = options.mode == "check"
    outcome = Outcome(settings, selected_rules(options, settings) if checking else [],
                      formats=options.formats or (settings.format or "text",),
                      threshold=options.minimum_failure_severity or settings.minimum_failure_severity or "notice",
                      minimum_severity=options.minimum_severity or settings.minimum_severity or "notice",
                      force=options.force or bool(settings.force))
    outcome.messages.extend(("warning", text) for text in settings.warnings)
    if checking and options.query and "json" not in outcome.formats:
        where = f" (the format {settings.path} sets)" if not options.formats and settings.format else ""
        raise RunError(f"--query applies to the JSON output, not to the {outcome.formats[0]} format{where}: "
                       "give --format json", outcome.messages)
    want_graph = not checking or any(name in WITH_GRAPH for name in outcome.formats)
    budget = InstanceBudget()
    known: set[str] = set()
    if checking and options.baseline_file:
        try:
            known = baseline.known_fingerprints(options.baseline_file)
        except InputError as error:
            raise RunError(str(error), outcome.messages) from None

    inputs, notes, errors, warnings = find_inputs(options.paths, recursive=options.recursive)
    for error in errors:
        outcome.cannot_read(error)
    outcome.messages.extend(("warning", text) for text in warnings)
    annotations = suppress.AnnotationScan(datetime.date.today())
    _check_inputs(inputs, options, settings, outcome, notes, want_graph, budget, annotations)

    if not checking:
        return outcome
    _leave_out_below(outcome)
    rule_names = set(all_rule_ids()) | {policy.name for policy in settings.policies}
    outcome.messages.extend(("warning", text) for text in annotations.warnings(rule_names))
    if options.write_baseline_file:
        try:
            baseline.write(options.write_baseline_file, [f for item in outcome.checked for f in item.result.findings])
        except InputError as error:
            raise RunError(str(error), outcome.messages) from None
    elif known:
        for item in outcome.checked:
            item.result.baselined = [f for f in item.result.findings if baseline.recorded(f, known)]
            item.result.findings = [f for f in item.result.findings if not baseline.recorded(f, known)]
    return outcome


# Inputs per worker below which they are analyzed in this process: a fork and the trip of each
# result back cost more than a small run gains.
INPUTS_PER_WORKER = 4


@dataclass
class _Checked:
    """One input as a worker analyzed it: everything the run keeps of it, in the order the
    run would have kept it, and the instances its expansion took."""

    checked: Checked | None
    messages: list
    unreadable: list
    instances: int
    annotated_files: dict
    lapsed: dict
    parsed: dict  # the parse cache's new entries


def _check_inputs(inputs: list[str], options: Options, settings, outcome: Outcome, notes: list[str],
                  want_graph: bool, budget, annotations) -> None:
    """Analyzes each input, in order, into `outcome`. Many inputs (a monorepo's roots) are
    analyzed over the cores; what the run says is the same bytes either way, since every
    result is kept in the inputs' order, and an input that would have met the instance budget
    the inputs before it left is analyzed again here, as a run in one process would have."""
    from tflint_sg import forked
    from tflint_sg.load.hcl import cache as parse_cache

    spread = []
    workers = forked.workers_for(len(inputs), INPUTS_PER_WORKER)
    if workers:
        global _WORK
        _WORK = (inputs, options, settings, outcome, notes, want_graph, budget.left, annotations.today)
        try:
            spread = forked.map_in_workers(_check_in_worker, list(range(len(inputs))), workers,
                                           initializer=parse_cache.forget_open_packs) or []
        finally:
            _WORK = None
    for index, path in enumerate(inputs):
        done = spread[index] if index < len(spread) else None
        if done is None or done.instances >= budget.left:
            # Past here, inputs see the budget the ones before them left, as in one process.
            spread = []
            checked = _check(path, options, settings, outcome, notes, want_graph, budget, annotations)
        else:
            budget.left -= done.instances
            outcome.messages.extend(done.messages)
            outcome.unreadable_inputs.extend(done.unreadable)
            for name, root in done.annotated_files.items():
                annotations.files.setdefault(name, root)
            for place, findings in done.lapsed.items():
                annotations.back.setdefault(place, set()).update(findings)
            for entry, encoded in done.parsed.items():
                parse_cache.store(entry, encoded)
            checked = done.checked
        if checked is not None:
            outcome.checked.append(checked)


_WORK = None  # what the forked workers analyze: set by the parent just before they fork


def _check_in_worker(index: int) -> _Checked | None:
    from tflint_sg import suppress
    from tflint_sg.load.hcl import cache as parse_cache
    from tflint_sg.load.modules.module import InstanceBudget

    inputs, options, settings, outcome, notes, want_graph, instances, today = _WORK
    own = Outcome(settings, outcome.rules)
    budget = InstanceBudget(instances)
    annotations = suppress.AnnotationScan(today)
    checked = _check(inputs[index], options, settings, own, notes, want_graph, budget, annotations)
    if checked is not None:
        checked.result.model = None  # its fixes are written; the rest of the run reads no model
    return _Checked(checked, own.messages, own.unreadable_inputs, instances - budget.left, annotations.files,
                    annotations.back, parse_cache.take_pending())


def _leave_out_below(outcome: Outcome) -> None:
    """Findings less severe than the minimum severity leave the run, as if their rules had not
    run: reports, baselines and the exit code see only the rest; each result counts them."""
    from tflint_sg.findings import SEVERITIES

    if outcome.minimum_severity == SEVERITIES[-1]:
        return
    shown = SEVERITIES[: SEVERITIES.index(outcome.minimum_severity) + 1]
    for item in outcome.checked:
        result = item.result
        kept = [finding for finding in result.findings if finding.severity in shown]
        result.left_out += len(result.findings) - len(kept)
        result.findings = kept
        result.suppressed = [entry for entry in result.suppressed if entry.finding.severity in shown]


def _check(path: str, options: Options, settings, outcome: Outcome, notes: list[str], want_graph: bool,
           budget, annotations) -> Checked | None:
    from tflint_sg import ruledoc, suppress
    from tflint_sg.analysis import analyze
    from tflint_sg.fixwrite import write_fixes
    from tflint_sg.load import load
    from tflint_sg.locate import Locator

    checking = options.mode == "check"
    try:
        config = load(path, var_files=list(settings.varfile) + list(options.var_files),
                      var_args=list(settings.variables) + list(options.var_args), source=options.source,
                      variables_in_order=_variables_in_order(options, settings),
                      ignore_modules=settings.ignore_module, budget=budget, flush_cache=False)
        config.notes.extend(notes)
        for warning in config.warnings:
            outcome.messages.append(("warning", warning))
        result = analyze(config, outcome.rules, settings.policies if checking else (),
                         want_graph=want_graph)
        result.findings = [f if f.severity else replace(f, severity=ruledoc.effective_severity(f, settings.severity))
                           for f in result.findings]
        locator = Locator(config)
        result.findings = write_fixes(result.findings, result.model, locator)
        result.findings, result.suppressed = suppress.split(result.findings, locator, annotations.today)
        if checking:
            annotations.add(config.files, locator, result.findings)
    except InputError as error:
        outcome.cannot_read(Unreadable.of(error))
        return None
    except Exception as error:  # never a traceback for the user
        outcome.cannot_read(Unreadable(
            f"{path}: internal error: {type(error).__name__}: {error} (please report this with the input)", path))
        return None
    for message in result.internal_errors:
        outcome.error(message)
    return Checked(result, locator)


def fix(outcome: Outcome, unsafe: bool = False, plans: bool = True):
    """What --fix would change: each finding's first fix (safe ones only unless `unsafe`)
    applied to the text of the .tf files, in the order reports list the findings; nothing is
    written (apply.write does that). Returns the apply.Applied and one note per plan input
    whose configuration is not at hand. `plans` False leaves the findings of plan inputs
    alone: once their files are edited, a plan no longer says what the files make."""
    from tflint_sg import apply
    from tflint_sg.report.common import all_findings

    notes = [f"{item.locator.source_uri}: the plan's configuration (.tf files beside it, or --source) "
             "is not at hand: nothing in it can be fixed" for item in outcome.checked
             if not item.locator.has_configuration and item.result.findings]
    findings = [(finding, locator.paths.root) for finding, locator in all_findings(outcome.checked)
                if locator.has_configuration and (plans or not locator.reads_plan)]
    return apply.apply(findings, unsafe=unsafe), notes


def plans_as_before_fixes(outcome: Outcome, before: Outcome, fixed: set[str]) -> list[str]:
    """The plan inputs of `outcome` (a run after --fix wrote its edits) as `before` analyzed
    them, less the findings whose fix was written (by fingerprint): a plan made before the
    edits says nothing of them, and its configuration now differs from it. Returns the plans
    that had findings fixed."""
    from tflint_sg.findings import fingerprint

    earlier = {item.locator.source_uri: item for item in before.checked if item.locator.reads_plan}
    treated = []
    for index, item in enumerate(outcome.checked):
        first = earlier.get(item.locator.source_uri) if item.locator.reads_plan else None
        if first is None:
            continue
        kept = [finding for finding in first.result.findings if fingerprint(finding) not in fixed]
        if len(kept) != len(first.result.findings):
            treated.append(item.locator.source_uri)
        first.result.findings = kept
        outcome.checked[index] = first
    return treated


def _variables_in_order(options: Options, settings) -> list[tuple[str, str]] | None:
    if options.variables_in_order is None:
        return None
    return ([("file", path) for path in settings.varfile] + [("var", value) for value in settings.variables]
            + list(options.variables_in_order))


def find_inputs(paths: tuple[str, ...], recursive: bool = False
                ) -> tuple[list[str], list[str], list[Unreadable], list[str]]:
    """Plan files as given; Terraform files and directories grouped into their root modules
    (`recursive`: the root modules below each directory path). Returns the inputs, notes, one
    error per path that cannot be an input, and warnings."""
    from tflint_sg.load.modules.sources import module_directories_below, module_files, module_roots

    plans, sources, errors, warnings = [], [], [], []
    below: list[tuple[str, list[str]]] = []  # each directory --recursive reads, and what it holds
    for path in paths:
        if recursive and os.path.isdir(path):
            try:
                below.append((path, module_directories_below(path)))
            except InputError as error:
                errors.append(Unreadable.of(error))
        elif os.path.isdir(path):
            try:
                has_files = bool(module_files(path))
            except InputError as error:
                errors.append(Unreadable.of(error))
                continue
            if has_files:
                sources.append(path)
            else:
                errors.append(Unreadable(f"{path}: is a directory with no Terraform files (*.tf, *.tf.json)", path))
        elif path.endswith(TERRAFORM_FILES):
            sources.append(path)
        else:
            plans.append(path)
    roots, notes = [], []
    try:
        if below:
            roots, notes, warnings = _roots_below(below)
        if sources:
            found, more = module_roots(sources)
            roots, notes = sorted(set(roots) | set(found)), notes + more
    except InputError as error:
        errors.append(Unreadable.of(error))
    return plans + roots, notes, errors, warnings


def _roots_below(below: list[tuple[str, list[str]]]) -> tuple[list[str], list[str], list[str]]:
    """The root modules below each directory --recursive reads: the directories there that no
    directory calls as a local module, and the root modules there that call the rest. A module
    below it called only from outside is checked by checking its callers, which are not taken
    from outside the directory: a job given one team's folder checks that folder."""
    from tflint_sg.load.hcl.parse import parse_files
    from tflint_sg.load.modules.sources import module_files, module_roots

    # Each root module is loaded on its own, too few files at a time to be parsed over several
    # cores; parsed here all at once, the files new to the cache are.
    parse_files([file for _, directories in below for directory in directories for file in module_files(directory)])
    roots: set[str] = set()
    notes, warnings = [], []
    for path, directories in below:
        found, more = module_roots(directories) if directories else ([], [])
        notes += more
        inside = [root for root in found if _within(root, path)]
        outside = [root for root in found if not _within(root, path)]
        roots.update(inside)
        if outside:
            notes.append(f"{path}: modules below it are called from {', '.join(outside[:3])}"
                         + (f" and {len(outside) - 3} more" if len(outside) > 3 else "")
                         + ", outside it: give those to check them")
        if not inside:
            warnings.append(f"no Terraform root module below {path}"
                            + (" (only modules that root modules outside it call)" if outside else ""))
    return sorted(roots), notes, warnings


def _within(path: str, directory: str) -> bool:
    path, directory = os.path.realpath(path), os.path.realpath(directory)
    return path == directory or path.startswith(directory.rstrip(os.sep) + os.sep)
