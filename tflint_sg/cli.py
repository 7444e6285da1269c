"""The `tflint-sg` command: options in, the pipeline's outcome printed, an exit code out. The
run itself is pipeline.py's; this module only parses, prints and chooses the exit code.

    tflint-sg [check] PATHS...   report what security groups block (check is the default)
    tflint-sg graph PATHS...     print the network model (JSON, Mermaid, DOT)

Exit codes follow TFLint: 0 no issues, 2 issues found (0 with --force), 1 an error (bad input,
bad option, internal error). Input errors are one line each, never a traceback.
"""

from __future__ import annotations

import gc
import os
import sys
from dataclasses import replace

import click

from tflint_sg import __version__
from tflint_sg.report import GRAPH_WRITERS, WRITERS

EXIT_OK = 0
EXIT_ERROR = 1
EXIT_ISSUES = 2
_VARIABLE_OPTIONS = ("var_files", "var_args")


def _fail(message: str) -> None:
    click.echo(f"tflint-sg: error: {message}", err=True)


class _DefaultToCheck(click.Group):
    """`tflint-sg PATHS` is `tflint-sg check PATHS`: arguments that do not start with a
    subcommand's name are a check's. (A path named like a subcommand is written `./graph`.)"""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        if not args or (args[0] not in self.commands and args[0] not in ("-h", "--help", "--version")):
            args = ["check", *args]
        return super().parse_args(ctx, args)

    def format_help(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        """`tflint-sg --help` is the check's help, since a check is what `tflint-sg` runs, with
        the commands after it."""
        check = self.commands["check"]
        check.format_help(click.Context(check, info_name=ctx.info_name, **check.context_settings), formatter)
        self.format_commands(ctx, formatter)


class _FormatTarget(click.ParamType):
    """`FORMAT` or `FORMAT:FILE`: a report format, and the file it goes to (None: standard
    output, or -o)."""

    name = "format"

    def __init__(self, formats):
        self.formats = list(formats)

    def get_metavar(self, param, *args, **kwargs) -> str:
        return "FORMAT[:FILE]"

    def convert(self, value, param, ctx):
        if isinstance(value, tuple):
            return value
        name, colon, path = value.partition(":")
        if name not in self.formats:
            self.fail(f"{name!r} is not a format (formats: {', '.join(self.formats)})", param, ctx)
        if colon and not path:
            self.fail(f"{value!r} names no file after the colon", param, ctx)
        return name, path or None


class _SettingOption(click.Option):
    """An option an environment variable may also set: a bad value names the variable only
    when it came from there."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, show_envvar=True, **kwargs)

    def consume_value(self, ctx, opts):
        # Where the value came from, kept before its type is checked: click records the
        # parameter's source only after conversion succeeds in some releases.
        value, source = super().consume_value(ctx, opts)
        ctx.meta[self._source_key] = source
        return value, source

    @property
    def _source_key(self) -> str:
        return f"tflint_sg.source.{self.name}"

    def get_error_hint(self, ctx) -> str:
        hint = " / ".join(f"'{name}'" for name in self.opts)
        if ctx is not None and ctx.meta.get(self._source_key) == click.core.ParameterSource.ENVIRONMENT:
            hint += f" (from {self.envvar})"
        return hint


def _report_targets(formats: tuple[tuple[str, str | None], ...], output: str | None, given_by: str,
                    baseline: str | None):
    """Each report to write, as (format or None for the settings' format, file or None for
    standard output); a message instead when they cannot all be written. `given_by` says
    where the formats came from, for the message."""
    formats = formats or ((None, None),)
    to_output = [name for name, path in formats if path is None]
    if len(to_output) > 1:
        return f"only one format can go to {'-o ' + output if output else 'standard output'}: " \
               f"give the others a file ({to_output[1]}:FILE)"
    if output and not to_output:
        return f"-o names the file of the format given without one, and every format {given_by} names its own"
    targets = [(name, path if path is not None else output) for name, path in formats]
    written: dict[str, str] = {os.path.abspath(baseline): baseline} if baseline else {}
    for _, path in targets:
        if path is None:
            continue
        if os.path.abspath(path) in written:
            return f"two outputs would write {written[os.path.abspath(path)]}"
        written[os.path.abspath(path)] = path
    return targets


class _VariablesInOrder(click.Command):
    """Keeps the order in which --var-file and --var were given, across the two options:
    Terraform applies them in that order, and click hands each option's values over apart."""

    def make_parser(self, ctx: click.Context):
        parser = super().make_parser(ctx)
        parse = parser.parse_args

        def parse_keeping_order(args):
            options, rest, order = parse(args=args)
            ctx.meta["tflint_sg.variable_order"] = [param.name for param in order if param.name in _VARIABLE_OPTIONS]
            return options, rest, order

        parser.parse_args = parse_keeping_order
        return parser


def _variables_in_order(var_files: tuple[str, ...], var_args: tuple[str, ...]) -> tuple[tuple[str, str], ...]:
    order = click.get_current_context().meta.get("tflint_sg.variable_order", [])
    remaining = {"var_files": iter(var_files), "var_args": iter(var_args)}
    kinds = {"var_files": "file", "var_args": "var"}
    return tuple((kinds[name], next(remaining[name])) for name in order)


def _variable_options(command):
    command = click.option("--var-file", "var_files", multiple=True, metavar="FILE",
                           help="A .tfvars file for the root module of a source directory (repeatable).")(command)
    command = click.option("--var", "var_args", multiple=True, metavar="NAME=VALUE",
                           help="A root module variable for a source directory (repeatable).")(command)
    command = click.option("--source", metavar="DIR", type=click.Path(file_okay=False),
                           help="The configuration a plan was made from, so findings point at its .tf lines "
                                "(default: the plan file's folder, when it holds .tf files).")(command)
    command = click.option("-c", "--config", "config_file", metavar="FILE", type=click.Path(dir_okay=False),
                           help="Settings file (default: TFLINT_SG_CONFIG, else .tflint-sg.hcl in the working "
                                "directory).")(command)
    command = click.option("--no-cache", is_flag=True,
                           help="Parse every .tf file again instead of reading the parse cache "
                                "(~/.cache/tflint-sg).")(command)
    command = click.option("--recursive", is_flag=True,
                           help="Check every root module below the directories in PATHS (default: .): "
                                "those no directory calls as a module; hidden directories such as "
                                ".terraform are not entered.")(command)
    command = click.option("--chdir", metavar="DIR", type=click.Path(file_okay=False),
                           help="Switch to DIR first, as terraform -chdir does: paths, the settings file "
                                "(TFLINT_SG_CONFIG too) and the files to write are relative to DIR.")(command)
    return command


def _enter(chdir: str | None, paths: tuple[str, ...], recursive: bool):
    """Moves to --chdir's directory; returns the paths to read (`.` when none are given with
    --chdir or --recursive), or None, having said why, when there is nothing to read."""
    if chdir:
        try:
            os.chdir(chdir)
        except OSError as error:
            _fail(f"--chdir {chdir}: {error.strerror or error}")
            return None
    if not paths and (chdir or recursive):
        return (".",)
    if not paths:
        _fail("no input: give a plan JSON file or a Terraform directory, or --recursive (see tflint-sg --help)")
        return None
    return paths


_CONTEXT = {"help_option_names": ["-h", "--help"]}
_version = click.version_option(__version__, "--version", prog_name="tflint-sg", message="%(prog)s %(version)s")


@click.group(cls=_DefaultToCheck, context_settings=_CONTEXT)
@_version
def cli():
    """Report the traffic a Terraform configuration intends but its AWS security groups block.

    `tflint-sg PATHS` runs `check`; `tflint-sg check --help` lists its options.
    """


@cli.command("check", cls=_VariablesInOrder, context_settings=_CONTEXT,
             short_help="Report what security groups block or expose (the default).")
@click.argument("paths", nargs=-1, type=click.Path(dir_okay=True, file_okay=True))
@click.option("-f", "--format", "formats", type=_FormatTarget(WRITERS), multiple=True, envvar="TFLINT_SG_FORMAT",
              cls=_SettingOption,
              help=f"Output format: {', '.join(WRITERS)} (default: the settings file's, else text). Repeatable; FORMAT:FILE writes that "
                   "format to FILE, so one run can write SARIF for upload and text for the log.")
@click.option("-o", "--output", type=click.Path(dir_okay=False),
              help="Write the report of the format given without a file to FILE instead of standard output.")
@click.option("--force", is_flag=True, help="Exit 0 even when issues are found.")
@click.option("-v", "--verbose", is_flag=True,
              help="List what could not be resolved, and which checks of which rules it left undecided; "
                   "then count the reasons, most frequent first.")
@_variable_options
@click.option("--include-suppressed", is_flag=True,
              help="Also put findings suppressed by annotations in SARIF (marked as suppressed).")
@click.option("--baseline", "baseline_file", metavar="FILE", type=click.Path(dir_okay=False),
              help="Report only findings that FILE (made with --write-baseline) does not record.")
@click.option("--write-baseline", "write_baseline_file", metavar="FILE", type=click.Path(dir_okay=False),
              help="Record today's findings in FILE, then report as usual.")
@click.option("--enable-rule", "enable_rules", multiple=True, metavar="RULE", help="Enable a rule the settings disable.")
@click.option("--disable-rule", "disable_rules", multiple=True, metavar="RULE", help="Disable a rule (repeatable).")
@click.option("--only", "only_rules", multiple=True, metavar="RULE", help="Run only these rules (repeatable).")
@click.option("--minimum-failure-severity", type=click.Choice(["error", "warning", "notice"]),
              envvar="TFLINT_SG_MINIMUM_FAILURE_SEVERITY", cls=_SettingOption,
              help="Exit 2 only for findings at least this severe (default: any finding).")
@click.option("--minimum-severity", type=click.Choice(["error", "warning", "notice"]),
              envvar="TFLINT_SG_MINIMUM_SEVERITY", cls=_SettingOption,
              help="Report only findings at least this severe; the others are left out of the report "
                   "and the exit code (default: the settings file's, else every finding).")
@click.option("--no-color", is_flag=True, help="No colors in the text report (as NO_COLOR does).")
@click.option("--query", metavar="EXPR", help="Apply a JMESPath expression to the JSON output (--format json).")
@click.option("--fix", is_flag=True,
              help="Apply the first safe fix of each finding to the .tf files, then report what remains.")
@click.option("--fix-unsafe", is_flag=True,
              help="As --fix, also applying fixes that change behaviour for others (a port clients use).")
@click.option("--diff", "show_diff", is_flag=True,
              help="Print what --fix (or --fix-unsafe) would change as a unified diff; change nothing.")
@click.option("--explain", metavar="RULE", help="Print the document of RULE and exit.")
@click.option("--list-rules", is_flag=True, help="List the rules (id, default severity, summary) and exit.")
@_version
def check_command(paths, formats, output, force, verbose, var_files, var_args, source, config_file,
                  no_cache, recursive, chdir, include_suppressed, baseline_file, write_baseline_file, enable_rules,
                  disable_rules, only_rules, minimum_failure_severity, minimum_severity, no_color, query, fix,
                  fix_unsafe, show_diff, explain, list_rules):
    """Report the traffic a Terraform configuration intends but its AWS security groups block.

    PATHS are `terraform show -json PLANFILE` outputs (.json), Terraform source directories, or
    .tf/.tfvars files (each is analyzed from the root module it belongs to).
    """
    from tflint_sg import pipeline

    if explain:
        return _explain(explain)
    if list_rules:
        return _list_rules()
    paths = _enter(chdir, paths, recursive)
    if paths is None:
        return EXIT_ERROR
    from tflint_sg import report

    source_of_formats = click.get_current_context().get_parameter_source("formats")
    if show_diff:
        # The diff is the one output; a format of the environment's is for the runs that report.
        if source_of_formats == click.core.ParameterSource.COMMANDLINE:
            _fail("--diff prints the fixes as a diff, not a report: leave out --format")
            return EXIT_ERROR
        targets = []
    else:
        from_environment = source_of_formats == click.core.ParameterSource.ENVIRONMENT
        targets = _report_targets(formats, output, "TFLINT_SG_FORMAT gives" if from_environment else "given",
                                  write_baseline_file)
        if isinstance(targets, str):
            _fail(targets)
            return EXIT_ERROR
    if query and not _query_parses(query):
        return EXIT_ERROR
    options = pipeline.Options(
        paths=tuple(paths), var_files=var_files, var_args=var_args,
        variables_in_order=_variables_in_order(var_files, var_args), source=source, config_file=config_file,
        enable_rules=enable_rules, disable_rules=disable_rules, only_rules=only_rules,
        baseline_file=baseline_file, write_baseline_file=write_baseline_file, cache=not no_cache,
        formats=tuple(name for name, _ in targets if name is not None), force=force,
        minimum_failure_severity=minimum_failure_severity, minimum_severity=minimum_severity, query=query,
        recursive=recursive)
    outcome = _run(options)
    if outcome is None:
        return EXIT_ERROR
    if show_diff:
        applied = _fixes(outcome, unsafe=fix_unsafe)
        from tflint_sg import apply

        if not _write(apply.unified_diff(applied.changes), output):
            return EXIT_ERROR
        return pipeline.exit_code(outcome)
    if fix or fix_unsafe:
        outcome = _fix(outcome, options, unsafe=fix_unsafe)
        if outcome is None:
            return EXIT_ERROR
    view = report.View(
        rule_ids=tuple(rule.ID for rule in outcome.rules),
        policies={policy.name: policy for policy in outcome.settings.policies},
        unreadable=tuple(outcome.unreadable_inputs), verbose=verbose, include_suppressed=include_suppressed,
        failure_threshold=outcome.threshold)
    written = True
    for name, path in targets:
        name = name or outcome.formats[0]  # none given: the settings' format, else text
        # Colors only for a person at a terminal, and never when NO_COLOR is set.
        color = path is None and not no_color and sys.stdout.isatty() and "NO_COLOR" not in os.environ
        text = report.render(name, outcome.checked, replace(view, color=color))
        written = _finish(text, query if name == "json" else None, path) and written
    if not written:
        return EXIT_ERROR
    return pipeline.exit_code(outcome)


@cli.command("graph", cls=_VariablesInOrder, context_settings=_CONTEXT,
             short_help="Print the network model as JSON, or draw it (Mermaid, DOT).")
@click.argument("paths", nargs=-1, type=click.Path(dir_okay=True, file_okay=True))
@click.option("-f", "--format", "output_format", type=click.Choice(list(GRAPH_WRITERS)), default="json",
              show_default=True, help="Output format: the JSON document, or a diagram of the tiers.")
@click.option("-o", "--output", type=click.Path(dir_okay=False, writable=True), help="Write to FILE.")
@_variable_options
@click.option("--query", metavar="EXPR", help="Apply a JMESPath expression to the document.")
@_version
def graph_command(paths, output_format, output, var_files, var_args, source, config_file, no_cache, recursive, chdir,
                  query):
    """Print the network model of PATHS (endpoints, security groups, flows) as JSON, or draw it.

    The document is described in docs/user-guide.md ("The model as JSON"). PATHS and the settings
    file are read as `tflint-sg check` reads them.
    """
    from tflint_sg import pipeline, report

    paths = _enter(chdir, paths, recursive)
    if paths is None:
        return EXIT_ERROR
    if query and output_format != "json":
        _fail(f"--query applies to the JSON document, not to --format {output_format}")
        return EXIT_ERROR
    if query and not _query_parses(query):
        return EXIT_ERROR
    outcome = _run(pipeline.Options(
        paths=tuple(paths), var_files=var_files, var_args=var_args,
        variables_in_order=_variables_in_order(var_files, var_args), source=source, config_file=config_file,
        cache=not no_cache, mode="graph", recursive=recursive))
    if outcome is None:
        return EXIT_ERROR
    documents = [(item.locator.source_uri, item.result.graph) for item in outcome.checked]
    text = report.render_graph(output_format, documents)
    if not _finish(text, query, output):
        return EXIT_ERROR
    return EXIT_ERROR if outcome.failed else EXIT_OK


def _run(options, said=()):
    """The pipeline's outcome, with its messages printed (but those in `said`, which an
    earlier run printed); None when the run stopped."""
    from tflint_sg import pipeline

    try:
        outcome = pipeline.run(options)
    except pipeline.RunError as error:
        _print_messages([message for message in error.messages if message not in said])
        _fail(str(error))
        return None
    _print_messages([message for message in outcome.messages if message not in said])
    return outcome


def _fixes(outcome, unsafe: bool, plans: bool = True):
    """The fixes the outcome's findings offer, applied to the files' text; what cannot be
    applied is said on standard error."""
    from tflint_sg import pipeline

    applied, notes = pipeline.fix(outcome, unsafe=unsafe, plans=plans)
    for note in notes:
        click.echo(f"tflint-sg: warning: {note}", err=True)
    for skipped in applied.skipped:
        click.echo(f"tflint-sg: warning: not fixed: {skipped.finding.rule} {skipped.finding.subject}: "
                   f"{skipped.reason}", err=True)
    return applied


# A fix can become possible only once another is made (the story's database can admit the app
# tier after the app tier has a group of its own): --fix goes round until nothing changes. A
# plan input has one round: after it, the plan no longer says what the edited files make.
FIX_ROUNDS = 3


def _fix(outcome, options, unsafe: bool):
    """Writes the fixes, says what changed, and analyzes the changed files again, until no fix
    is left to make: the report and the exit code are about what remains. None when a file
    could not be written."""
    from dataclasses import replace

    from tflint_sg import apply, pipeline
    from tflint_sg.errors import InputError
    from tflint_sg.findings import fingerprint

    fixed_in_plans: set[str] = set()
    before = outcome
    plans = {id(finding) for item in outcome.checked if item.locator.reads_plan for finding in item.result.findings}
    stale: list[str] = []
    for round_number in range(FIX_ROUNDS):
        applied = _fixes(outcome, unsafe, plans=round_number == 0)
        if not applied.changes:
            break
        fixed_in_plans |= {fingerprint(finding) for finding in applied.fixed if id(finding) in plans}
        try:
            apply.write(applied.changes)
        except InputError as error:
            _fail(str(error))
            return None
        for change in applied.changes:
            for fix in change.fixes:
                click.echo(f"fixed {change.relative}: {fix.description}", err=True)
        # The parse cache knows a file by its time and size, which an edit within a second that
        # keeps the size would not change.
        outcome = _run(replace(options, cache=False), said=outcome.messages)
        if outcome is None:
            return None
        stale = pipeline.plans_as_before_fixes(outcome, before, fixed_in_plans)
    for uri in stale:
        click.echo(f"tflint-sg: warning: {uri} was planned before these edits: the findings they fix are left out "
                   "of this report; plan again to check the edited configuration", err=True)
    return outcome


def _query_parses(query: str) -> bool:
    """Checked before the analysis, so that a typo costs no run."""
    from tflint_sg import report

    try:
        report.check_query(query)
    except report.QueryError as error:
        _fail(str(error))
        return False
    return True


def _finish(text: str, query: str | None, output: str | None) -> bool:
    """Applies --query (to a JSON document) and writes the report; False if either failed."""
    if query:
        from tflint_sg import report

        try:
            text = report.query(query, text)
        except report.QueryError as error:
            _fail(str(error))
            return False
    return _write(text, output)


def _list_rules() -> int:
    """One line a rule: its id, its default severity and its summary, as its document states them."""
    from tflint_sg import pipeline, ruledoc

    rule_ids = sorted(pipeline.all_rule_ids())
    width = max(map(len, rule_ids))
    for rule_id in rule_ids:
        document = ruledoc.load(rule_id)
        click.echo(f"{rule_id:<{width}}  {document.severity:<7}  {document.summary}")
    return EXIT_OK


def _explain(rule_id: str) -> int:
    from tflint_sg import pipeline, ruledoc

    rule_ids = pipeline.all_rule_ids()
    if rule_id not in rule_ids:
        _fail(f"no rule named {rule_id!r}; rules: {', '.join(rule_ids)}")
        return EXIT_ERROR
    click.echo(ruledoc.load(rule_id).text, nl=False)
    return EXIT_OK


def _print_messages(messages) -> None:
    for kind, text in messages:
        click.echo(f"tflint-sg: {kind}: {text}", err=True)


def _write(text: str, output: str | None) -> bool:
    if not output:
        click.echo(text, nl=False)
        return True
    try:
        with open(output, "w", encoding="utf-8", newline="\n") as handle:
            handle.write(text)
    except OSError as error:
        _fail(f"{output}: cannot write: {error.strerror or error}")
        return False
    return True


def main(argv: list[str] | None = None) -> None:
    # A run builds many objects that live until it ends. The cyclic collector would walk that
    # growing heap again and again (a third of the time on 100,000 resources) to free almost
    # nothing; reference counting still frees the rest, and the process is short.
    collecting = gc.isenabled()
    gc.disable()
    try:
        _main(argv)
    finally:
        if collecting:
            gc.enable()


def _main(argv: list[str] | None) -> None:
    argv = list(sys.argv[1:] if argv is None else argv)
    try:
        working_directory = os.getcwd()  # --chdir leaves it; a caller in the same process finds it back
    except OSError:  # removed from under the shell: nothing to come back to
        working_directory = None
    try:
        code = cli.main(args=argv, prog_name="tflint-sg", standalone_mode=False)
    except click.exceptions.UsageError as error:
        _fail(error.format_message())
        code = EXIT_ERROR
    except (click.exceptions.Abort, KeyboardInterrupt):
        _fail("interrupted")
        code = EXIT_ERROR
    except BrokenPipeError:
        # The reader went away (`tflint-sg plan.json | head`); say nothing more.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        code = EXIT_ERROR
    except Exception as error:  # never a traceback for the user
        _fail(f"internal error: {type(error).__name__}: {error} (please report this with the input)")
        code = EXIT_ERROR
    finally:
        if working_directory is not None:
            os.chdir(working_directory)
    sys.exit(code if isinstance(code, int) else EXIT_OK)
