"""The `tflint-sg` command: arguments, options, output and exit codes. No analysis here.

Exit codes follow TFLint: 0 no issues, 2 issues found (0 with --force), 1 an error (bad input,
bad option, internal error). Input errors are one line each, never a traceback.
"""

from __future__ import annotations

import gc
import os
import sys

import click

from tflint_sg import __version__

EXIT_OK = 0
EXIT_ERROR = 1
EXIT_ISSUES = 2


def _fail(message: str) -> None:
    click.echo(f"tflint-sg: error: {message}", err=True)


@click.command(context_settings={"help_option_names": ["-h", "--help"]})
@click.argument("paths", nargs=-1, type=click.Path(dir_okay=True, file_okay=True))
@click.option("-f", "--format", "output_format",
              type=click.Choice(["text", "compact", "json", "sarif", "github", "markdown"]), default="text",
              show_default=True, help="Output format.")
@click.option("-o", "--output", type=click.Path(dir_okay=False, writable=True),
              help="Write the report to FILE instead of standard output.")
@click.option("--force", is_flag=True, help="Exit 0 even when issues are found.")
@click.option("-v", "--verbose", is_flag=True, help="List what could not be resolved, and which checks of which rules it left undecided.")
@click.option("--var-file", "var_files", multiple=True, metavar="FILE",
              help="A .tfvars file for the root module of a source directory (repeatable).")
@click.option("--var", "var_args", multiple=True, metavar="NAME=VALUE",
              help="A root module variable for a source directory (repeatable).")
@click.option("--source", metavar="DIR", type=click.Path(file_okay=False),
              help="The configuration a plan was made from, so findings point at its .tf lines "
                   "(default: the plan file's folder, when it holds .tf files).")
@click.option("--include-suppressed", is_flag=True,
              help="Also put findings suppressed by annotations in SARIF (marked as suppressed).")
@click.option("--baseline", "baseline_file", metavar="FILE", type=click.Path(dir_okay=False),
              help="Report only findings that FILE (made with --write-baseline) does not record.")
@click.option("--write-baseline", "write_baseline_file", metavar="FILE", type=click.Path(dir_okay=False),
              help="Record today's findings in FILE, then report as usual.")
@click.option("-c", "--config", "config_file", metavar="FILE", type=click.Path(dir_okay=False),
              help="Settings file (default: TFLINT_SG_CONFIG, else .tflint-sg.hcl in the working directory).")
@click.option("--enable-rule", "enable_rules", multiple=True, metavar="RULE", help="Enable a rule the settings disable.")
@click.option("--disable-rule", "disable_rules", multiple=True, metavar="RULE", help="Disable a rule (repeatable).")
@click.option("--only", "only_rules", multiple=True, metavar="RULE", help="Run only these rules (repeatable).")
@click.option("--minimum-failure-severity", type=click.Choice(["error", "warning", "notice"]),
              help="Exit 2 only for findings at least this severe (default: any finding).")
@click.option("--query", metavar="EXPR", help="Apply a JMESPath expression to the JSON output (--format json).")
@click.option("--explain", metavar="RULE", help="Print the document of RULE and exit.")
@click.option("--no-cache", is_flag=True,
              help="Parse every .tf file again instead of reading the parse cache (~/.cache/tflint-sg).")
@click.version_option(__version__, "--version", prog_name="tflint-sg", message="%(prog)s %(version)s")
def command(paths, output_format, output, force, verbose, var_files, var_args, source, include_suppressed,
            baseline_file, write_baseline_file, config_file, enable_rules, disable_rules, only_rules,
            minimum_failure_severity, query, explain, no_cache):
    """Report the traffic a Terraform configuration intends but its AWS security groups block.

    PATHS are `terraform show -json PLANFILE` outputs (.json), Terraform source directories, or
    .tf/.tfvars files (each is analyzed from the root module it belongs to).
    """
    from tflint_sg.rules import ALL_RULES

    if no_cache:
        from tflint_sg.load.hcl import cache as parse_cache

        parse_cache.disable()
    if explain:
        from tflint_sg import ruledoc

        if explain not in {rule.ID for rule in ALL_RULES}:
            _fail(f"no rule named {explain!r}; rules: {', '.join(rule.ID for rule in ALL_RULES)}")
            return EXIT_ERROR
        click.echo(ruledoc.load(explain).text, nl=False)
        return EXIT_OK
    if not paths:
        _fail("no input: give a plan JSON file or a Terraform directory (see tflint-sg --help)")
        return EXIT_ERROR

    from dataclasses import replace

    from tflint_sg import ruledoc, settings as settings_file
    from tflint_sg.errors import InputError as SettingsError
    from tflint_sg.findings import SEVERITIES

    rule_ids = {rule.ID for rule in ALL_RULES}
    unknown_rules = sorted((set(enable_rules) | set(disable_rules) | set(only_rules)) - rule_ids)
    if unknown_rules:
        _fail(f"no rule named {', '.join(unknown_rules)}; rules: {', '.join(sorted(rule_ids))}")
        return EXIT_ERROR
    try:
        settings = settings_file.load(settings_file.find(config_file), rule_ids)
    except SettingsError as error:
        _fail(str(error))
        return EXIT_ERROR
    context = click.get_current_context()
    if context.get_parameter_source("output_format") == click.core.ParameterSource.DEFAULT and settings.format:
        output_format = settings.format
    force = force or bool(settings.force)
    threshold = minimum_failure_severity or settings.minimum_failure_severity or "notice"
    if only_rules:
        rules = [rule for rule in ALL_RULES if rule.ID in only_rules]
    else:
        disabled = (settings.disabled | set(disable_rules)) - set(enable_rules)
        rules = [rule for rule in ALL_RULES if rule.ID not in disabled]
    ordered = (context.obj or {}).get("variables")
    var_files = tuple(settings.varfile) + tuple(var_files)
    var_args = tuple(settings.variables) + tuple(var_args)
    if ordered is not None:
        ordered = [("file", path) for path in settings.varfile] + [("var", v) for v in settings.variables] + ordered

    from tflint_sg import baseline, suppress
    from tflint_sg.analysis import analyze
    from tflint_sg.errors import InputError
    from tflint_sg.load import load
    from tflint_sg.locate import Locator
    from tflint_sg.report.common import Checked, fingerprint

    known: set[str] = set()
    if baseline_file:
        try:
            known = baseline.known_fingerprints(baseline_file)
        except InputError as error:
            _fail(str(error))
            return EXIT_ERROR

    inputs, notes, errors = _inputs(paths)
    for error in errors:
        _fail(error)
    unreadable = len(errors)
    checked: list[Checked] = []
    for path in inputs:
        try:
            config = load(path, var_files=var_files, var_args=var_args, source=source,
                          variables_in_order=ordered, ignore_modules=settings.ignore_module)
            config.notes.extend(notes)
            for warning in config.warnings:
                click.echo(f"tflint-sg: warning: {warning}", err=True)
            result = analyze(config, rules, settings.policies, want_graph=output_format in ("json", "markdown"))
            result.findings = [f if f.severity else
                               replace(f, severity=settings.severity.get(f.rule, ruledoc.load(f.rule).severity))
                               for f in result.findings]
            locator = Locator(config)
            result.findings, result.suppressed = suppress.split(result.findings, locator)
        except InputError as error:
            _fail(str(error))
            unreadable += 1
            continue
        except Exception as error:  # never a traceback for the user
            _fail(f"{path}: internal error: {type(error).__name__}: {error} (please report this with the input)")
            unreadable += 1
            continue
        for message in result.internal_errors:
            _fail(message)
        checked.append(Checked(result, locator))
    failed = unreadable > 0 or any(item.result.internal_errors for item in checked)

    if write_baseline_file:
        try:
            baseline.write(write_baseline_file, [f for item in checked for f in item.result.findings])
        except InputError as error:
            _fail(str(error))
            return EXIT_ERROR
    elif known:
        for item in checked:
            item.result.baselined = [f for f in item.result.findings if fingerprint(f) in known]
            item.result.findings = [f for f in item.result.findings if fingerprint(f) not in known]

    if output_format == "sarif":
        from tflint_sg.report import sarif

        report = sarif.render(checked, [rule.ID for rule in rules], include_suppressed=include_suppressed,
                              policies={policy.name: policy for policy in settings.policies})
    elif output_format == "compact":
        from tflint_sg.report import compact

        report = compact.render(checked)
    elif output_format == "github":
        from tflint_sg.report import github

        report = github.render(checked)
    elif output_format == "markdown":
        from tflint_sg.report import markdown

        report = markdown.render(checked)
    elif output_format == "json":
        from tflint_sg.report import json as json_report

        report = json_report.render(checked)
        if query:
            report = _query(query, report)
            if report is None:
                return EXIT_ERROR
    else:
        from tflint_sg.report import text

        # Colors only for a person at a terminal, and never when NO_COLOR is set.
        color = not output and sys.stdout.isatty() and "NO_COLOR" not in os.environ
        report = text.render(checked, verbose=verbose, color=color, unreadable=unreadable)

    if output:
        try:
            with open(output, "w", encoding="utf-8", newline="\n") as handle:
                handle.write(report)
        except OSError as error:
            _fail(f"{output}: cannot write: {error.strerror or error}")
            return EXIT_ERROR
    else:
        click.echo(report, nl=False)

    if failed:
        return EXIT_ERROR
    failing = SEVERITIES[: SEVERITIES.index(threshold) + 1]
    issues = sum(1 for item in checked for f in item.result.findings if f.severity in failing)
    return EXIT_ISSUES if issues and not force else EXIT_OK


def _query(expression: str, report: str) -> str | None:
    import json

    import jmespath
    from jmespath.exceptions import JMESPathError

    try:
        selected = jmespath.search(expression, json.loads(report))
    except JMESPathError as error:
        _fail(f"--query: invalid JMESPath expression: {str(error).splitlines()[0]}")
        return None
    return json.dumps(selected, indent=2) + "\n"


@click.command(context_settings={"help_option_names": ["-h", "--help"]})
@click.argument("paths", nargs=-1, required=True, type=click.Path(dir_okay=True, file_okay=True))
@click.option("-f", "--format", "output_format", type=click.Choice(["json", "mermaid", "dot"]), default="json",
              show_default=True, help="Output format: the JSON document, or a diagram of the tiers.")
@click.option("-o", "--output", type=click.Path(dir_okay=False, writable=True), help="Write to FILE.")
@click.option("--var-file", "var_files", multiple=True, metavar="FILE", help="A .tfvars file (repeatable).")
@click.option("--var", "var_args", multiple=True, metavar="NAME=VALUE", help="A root variable (repeatable).")
@click.option("--source", metavar="DIR", type=click.Path(file_okay=False), help="A plan's configuration.")
@click.option("--query", metavar="EXPR", help="Apply a JMESPath expression to the document.")
def graph_command(paths, output_format, output, var_files, var_args, source, query):
    """Print the network model of PATHS (endpoints, security groups, flows) as JSON, or draw it.

    The document is described in the README ("The model as JSON").
    """
    import json

    from tflint_sg import __version__ as version
    from tflint_sg.analysis import analyze
    from tflint_sg.errors import InputError
    from tflint_sg.load import load
    from tflint_sg.locate import Locator

    inputs, notes, errors = _inputs(paths)
    for error in errors:
        _fail(error)
    documents = []
    failed = bool(errors)
    for path in inputs:
        try:
            config = load(path, var_files=var_files, var_args=var_args, source=source,
                          variables_in_order=(click.get_current_context().obj or {}).get("variables"))
            result = analyze(config, [], want_graph=True)
        except InputError as error:
            _fail(str(error))
            failed = True
            continue
        documents.append({"path": Locator(config).source_uri, **result.graph})
    report = json.dumps({"tool": "tflint-sg", "version": version, "inputs": documents}, indent=2) + "\n"
    if output_format in ("mermaid", "dot"):
        from tflint_sg.report import diagram

        if output_format == "mermaid" and len(documents) > 1:
            report = diagram.mermaid_many([(document["path"], document) for document in documents])
        elif output_format == "mermaid":
            report = "".join(diagram.mermaid(document) for document in documents)
        else:
            report = "".join(diagram.dot(document) for document in documents)
    elif query:
        report = _query(query, report)
        if report is None:
            return EXIT_ERROR
    if output:
        with open(output, "w", encoding="utf-8", newline="\n") as handle:
            handle.write(report)
    else:
        click.echo(report, nl=False)
    return EXIT_ERROR if failed else EXIT_OK


def _inputs(paths: tuple[str, ...]) -> tuple[list[str], list[str], list[str]]:
    """Plan files as given; Terraform files and directories grouped into their root modules.
    Returns the inputs, notes, and one error line per path that cannot be an input."""
    from tflint_sg.errors import InputError
    from tflint_sg.load.modules.sources import module_files, module_roots

    terraform_files = (".tf", ".tf.json", ".tofu", ".tofu.json", ".tfvars", ".tfvars.json")
    plans, sources, errors = [], [], []
    for path in paths:
        if os.path.isdir(path):
            try:
                has_files = bool(module_files(path))
            except InputError as error:
                errors.append(str(error))
                continue
            if has_files:
                sources.append(path)
            else:
                errors.append(f"{path}: is a directory with no Terraform files (*.tf, *.tf.json)")
        elif path.endswith(terraform_files):
            sources.append(path)
        else:
            plans.append(path)
    roots, notes = [], []
    if sources:
        try:
            roots, notes = module_roots(sources)
        except InputError as error:
            errors.append(str(error))
    return plans + roots, notes, errors


def _variables_in_order(argv: list[str]) -> list[tuple[str, str]]:
    """--var-file and --var as they come on the command line: Terraform applies them in order,
    and click hands each option's values over separately."""
    given = []
    for index, arg in enumerate(argv):
        for option, kind in (("--var-file", "file"), ("--var", "var")):
            if arg == option and index + 1 < len(argv):
                given.append((kind, argv[index + 1]))
            elif arg.startswith(option + "="):
                given.append((kind, arg[len(option) + 1:]))
    return given


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
    # `tflint-sg graph PATH` prints the model; anything else is a check.
    chosen, arguments, name = ((graph_command, argv[1:], "tflint-sg graph") if argv[:1] == ["graph"]
                               else (command, argv, "tflint-sg"))
    try:
        code = chosen.main(args=arguments, prog_name=name, standalone_mode=False,
                           obj={"variables": _variables_in_order(arguments)})
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
    sys.exit(code if isinstance(code, int) else EXIT_OK)
