"""The command line: ``tinygrad-lite practice`` (or ``python -m tinygrad_lite practice``).

    practice     the tutorial's worked example, or any network a --config describes: data,
                 parameters, forward values, every gradient, the training, losses and
                 predictions (a report, or --json); --check (the verdicts first; the report
                 too with --report), --explain, --grad
    grad         any expression at a point: every node's value and gradient; --explain, --check

Errors in what the user typed (a bad config, a malformed --predict) are one line on stderr
and exit code 2; no traceback.  Exit codes:

    0    all well
    1    a formula given to --check is wrong
    2    the command line or a file it names is wrong (one line on stderr says what and where)
    3    training diverged: reported as a finding (the epoch, the losses, the largest gradient)
    4    a formula given to --check is undefined (inf, NaN, a division by zero) at some point
    5    a formula given to --check has numbers in place of names: right at the example's
         point, and it cannot be checked anywhere else
    130  interrupted with Ctrl-C (one line on stderr)
    141  the reader of the output went away (``practice | head``), as for any Unix tool

Output survives any console: characters its encoding lacks are spelled in ASCII (− as -, θ as
theta), and --json is strict JSON (a non-finite number is null, listed under "nonfinite").
"""

import argparse
import json
import os
import re
import sys
import time

from .lab.check import check_expression, check_formula, read_formula_file
from .console import columns, ljust, printable, rjust, shorten, strict_json, visible, write
from .explain import explain
from .files import FileProblem, write_atomically
from .page import to_html
from .lab.expression import build, load_exercise, parse_at
from .lab.formula import FormulaError
from .lab.names import read_entries
from .messages import Sentence, Translatable, gloss, language, say, message_of
from .lab.report import fmt, format_report, json_document, network_title
from .viz import VizError, render, to_dot
from .lab.practice import (ConfigError, DEFAULT_CONFIG, LAB_KEYS, LINKS_PER_SECOND, Practice,
                           PracticeNetwork, read_config,
                           run_practice, run_work, validate_config)

__all__ = ["main"]

PROG = "tinygrad-lite"
# exit codes: 0 all well; 1 a checked formula is wrong; 2 the command line or a file is wrong;
# 3 training diverged (a finding, reported); 4 a checked formula is undefined (not a finite
# number) at some point; 130 interrupted (Ctrl-C); 141 the reader of
# stdout went away (as for any Unix tool killed by SIGPIPE)
EXIT_OK, EXIT_WRONG, EXIT_USAGE, EXIT_DIVERGED, EXIT_UNDEFINED, EXIT_NUMBERS = 0, 1, 2, 3, 4, 5
EXIT_INTERRUPTED, EXIT_BROKEN_PIPE = 130, 141


class UsageError(Translatable, Exception):
    """Something the user typed is wrong; reported in one line, exit code 2."""


def _at(where, error):
    """``where: error`` as a Sentence, so the error inside is said in the report's language."""
    return Sentence("cli.at", where=where, error=error)


def parse_vector(text):
    """'1, 2.5,3' -> [1.0, 2.5, 3.0], or a UsageError naming the bad entry."""
    parts = [part.strip() for part in text.split(",")]
    values = []
    for i, part in enumerate(parts, 1):
        try:
            values.append(float(part))
        except ValueError:
            raise UsageError(Sentence("cli.not_a_number", flag="--predict", text=repr(text),
                                            entry=i, part=repr(part))) from None
    return values


# ---- the report ------------------------------------------------------------------------------

# ---- the commands ----------------------------------------------------------------------------

class _Parser(argparse.ArgumentParser):
    """argparse's parser, whose own errors (a missing or unknown argument, a bad choice) are
    said in the chosen language; an error it has no translation for stays English."""

    lang = "en"

    def _print_message(self, message, file=None):
        """--help and argparse's errors, readable on any console (ASCII, latin-1, cp949)."""
        file = file or sys.stderr
        if message:
            file.write(printable(message, getattr(file, "encoding", None)))

    def error(self, message):
        if self.lang == "en":
            super().error(message)
        for pattern, key in _ARGPARSE_ERRORS:
            match = pattern.fullmatch(message)
            if match:
                message = say(key, self.lang, **match.groupdict())
                break
        usage = self.format_usage()
        if usage.startswith("usage: "):
            usage = say("argparse.usage", self.lang) + usage[len("usage: "):]
        self._print_message(usage, sys.stderr)
        self.exit(EXIT_USAGE, say("cli.parse_error", self.lang, prog=self.prog,
                                  message=message) + "\n")


_ARGPARSE_ERRORS = [(re.compile(pattern, re.S), key) for pattern, key in (
    (r"the following arguments are required: (?P<names>.*)", "argparse.required"),
    (r"unrecognized arguments: (?P<names>.*)", "argparse.unrecognized"),
    (r"argument (?P<name>\S+): invalid choice: (?P<value>.*?) \(choose from (?P<choices>.*)\)",
     "argparse.choice"),
    (r"argument (?P<name>\S+): invalid (?P<kind>\S+) value: (?P<value>.*)", "argparse.value"),
    (r"argument (?P<name>\S+): expected one argument", "argparse.one"),
    (r"argument (?P<name>\S+): expected at least one argument", "argparse.at_least_one"),
    (r"ambiguous option: (?P<name>\S+) could match (?P<choices>.*)", "argparse.ambiguous"))]


def _requested_lang(argv):
    """The --lang of a command line that argparse has not read yet (for its own errors)."""
    for i, arg in enumerate(argv):
        if arg == "--lang" and i + 1 < len(argv):
            return argv[i + 1] if argv[i + 1] in ("en", "ko") else None
        if arg.startswith("--lang="):
            return arg[len("--lang="):] if arg[len("--lang="):] in ("en", "ko") else None
    return None


class _Formatter(argparse.HelpFormatter):
    """argparse's help layout, with its "usage: " in the chosen language and lines wrapped by
    console columns (a Hangul syllable takes two)."""

    lang = "en"

    def add_usage(self, usage, actions, groups, prefix=None):
        prefix = say("argparse.usage", self.lang) if prefix is None else prefix
        super().add_usage(usage, actions, groups, prefix)

    def _format_usage(self, usage, actions, groups, prefix):
        extra = columns(prefix) - len(prefix) if prefix else 0   # 사용법 is 3 wide characters
        self._width -= extra
        try:
            return super()._format_usage(usage, actions, groups, prefix)
        finally:
            self._width += extra

    def _split_lines(self, text, width):
        if self.lang == "en":
            return super()._split_lines(text, width)
        lines, line = [], ""
        for word in text.split():
            candidate = f"{line} {word}" if line else word
            if line and columns(candidate) > width:
                lines.append(line)
                candidate = word
            line = candidate
        return lines + ([line] if line else [])

    def _fill_text(self, text, width, indent):
        return "\n".join(indent + line for line in self._split_lines(text, width - len(indent)))


def build_parser(lang="en"):
    """The command line, its help and its errors in ``lang``."""
    def words(key, **values):
        return say("help." + key, lang, **values)

    language_bound = {"lang": lang}
    parser_class = type("Parser", (_Parser,), language_bound)
    options = {"formatter_class": type("Formatter", (_Formatter,), language_bound),
               "add_help": False}

    def titled(command):
        """-h in the chosen language, and the sections' titles."""
        command.add_argument("-h", "--help", action="help", help=words("help"))
        command._positionals.title = words("positionals")
        command._optionals.title = words("optionals")
        return command

    parser = titled(parser_class(prog=PROG, description=words("description"), **options))
    _add_lang(parser, words)                # --lang before the command, as well as after it
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    commands.required = True
    practice = titled(commands.add_parser("practice", help=words("practice"),
                                          description=words("practice.description"),
                                          **options))
    practice.add_argument("--config", metavar="FILE.json", help=words(
        "practice.config", keys=", ".join(list(DEFAULT_CONFIG) + list(LAB_KEYS))))
    practice.add_argument("--lr", type=float, help=words("practice.lr"))
    practice.add_argument("--epochs", type=int, help=words("practice.epochs"))
    practice.add_argument("--predict", action="append", default=[], metavar='"x1,x2,x3"',
                          help=words("practice.predict"))
    practice.add_argument("--check", action="append", default=[], metavar='"∂L/∂θ12 = …"',
                          help=words("practice.check"))
    practice.add_argument("--check-file", action="append", default=[], metavar="FILE",
                          help=words("practice.check_file"))
    practice.add_argument("--report", action="store_true", help=words("report"))
    practice.add_argument("--explain", action="append", default=[], metavar="ENTRY",
                          help=words("practice.explain"))
    practice.add_argument("--paths", type=int, default=None, metavar="N",
                          help=words("practice.paths"))
    practice.add_argument("--group", action="store_true", help=words("practice.group"))
    practice.add_argument("--max-formula", type=int, default=None, metavar="N",
                          help=words("practice.max_formula"))
    practice.add_argument("--dot", metavar="FILE", help=words("practice.dot"))
    practice.add_argument("--compiled", action="store_true", help=words("practice.compiled"))
    practice.add_argument("--grad", nargs="+", metavar="ENTRY", help=words("practice.grad"))
    practice.add_argument("--html", metavar="FILE.html", help=words("practice.html"))
    _add_lang(practice, words)
    practice.add_argument("--json", action="store_true", help=words("practice.json"))
    grad = titled(commands.add_parser("grad", help=words("grad"),
                                      description=words("grad.description"), **options))
    grad.add_argument("expression", nargs="?", help=words("grad.expression"))
    grad.add_argument("--at", default="", metavar="x=1,y=2", help=words("grad.at"))
    grad.add_argument("--file", metavar="EXERCISE.json", help=words("grad.file"))
    grad.add_argument("--explain", action="store_true", help=words("grad.explain"))
    grad.add_argument("--check", action="append", default=[], metavar='"∂f/∂x = …"',
                      help=words("grad.check"))
    grad.add_argument("--report", action="store_true", help=words("report"))
    grad.add_argument("--html", metavar="FILE.html", help=words("grad.html"))
    _add_lang(grad, words)
    grad.add_argument("--json", action="store_true", help=words("grad.json"))
    return parser


def _add_lang(command, words):
    """--lang; a command's own --lang, when not given, leaves the one before the command be."""
    top = command.prog == PROG
    command.add_argument("--lang", choices=("en", "ko"), help=words("lang"),
                         **({} if top else {"default": argparse.SUPPRESS}))


def run_grad_command(args):
    """grad "EXPR" --at …: every node of the expression with its value and ∂f/∂·."""
    try:
        if args.file:
            if args.expression or args.at:
                raise UsageError(Sentence("cli.file_or_expression"))
            text, at, source = load_exercise(args.file)
        else:
            if not args.expression:
                raise UsageError(Sentence("cli.no_expression"))
            text, at, source = args.expression, parse_at(args.at), None
        circuit = build(text, at)
    except FormulaError as error:
        raise UsageError(error) from None
    explanations, skipped = _explain_inputs(circuit) if args.explain else ([], 0)
    if args.html is not None:
        write_page(circuit.output, args.html, args.lang_chosen, title=f"f = {text}")
    checks = []
    for i, formula in enumerate(args.check, 1):
        try:
            checks.append(check_expression(formula, text, at))
        except FormulaError as error:
            raise UsageError(_at(f"--check {i}", error)) from None
    code = _checks_code(checks)
    if args.json:
        return _json_with(circuit.to_json(), args, checks, explanations), code
    lang = args.lang_chosen
    lines = [f"f = {visible(text)}" + (f"    ({visible(source)})" if source else ""),
             say("grad.at", lang, point=", ".join(f"{name} = {fmt(v)}"
                                                  for name, v in at.items())), "",
             "  " + " ".join([ljust(say("grad.node", lang), 26),
                              ljust(say("grad.computes", lang), 12),
                              rjust(say("grad.value", lang), 12), rjust("∂f/∂·", 12)])]
    for name, what, value, grad in circuit.rows():
        what = say("grad.input", lang) if what == "input" else what
        lines.append(f"  {ljust(name, 26)} {ljust(what, 12)} {fmt(value):>12} {fmt(grad):>12}")
    lines += ["", "  " + "   ".join(f"∂f/∂{name} = {fmt(v.grad)}"
                                     for name, v in circuit.variables.items())]
    sections = [] if checks and not args.report else ["\n".join(lines)]
    sections += [e.text(args.lang_chosen) for e in explanations]
    if skipped:
        sections.append(say("cli.explain_budget", args.lang_chosen, done=len(explanations),
                            total=len(explanations) + skipped))
    return _verdicts_first(checks, sections, args), code


EXPLAIN_WORK = 300_000     # node visits grad --explain spends (one explanation walks the graph)
EXPLAIN_SECONDS = 3.0


def _explain_inputs(circuit):
    """explain() for each input while the budget lasts: (explanations, how many were left out).
    An explanation walks the whole graph, so a 1,000-input sum would otherwise cost 1,000
    walks; the first inputs are explained and the note says how many more there were."""
    size = max(1, len(circuit.nodes))
    deadline = time.perf_counter() + EXPLAIN_SECONDS
    explanations, inputs = [], list(circuit.variables.values())
    for k, v in enumerate(inputs):
        if (k + 1) * size > EXPLAIN_WORK and k or time.perf_counter() > deadline:
            return explanations, len(inputs) - k
        explanations.append(explain(circuit.output, v))
    return explanations, 0


def run_grad_entries(config, entries):
    """practice --grad θ23 p21: just those entries' values and gradients."""
    practice = Practice(PracticeNetwork(config), config["X"], config["y"])
    try:
        practice.L.backward()
    except (OverflowError, ValueError, ZeroDivisionError) as error:
        raise UsageError(Sentence("cli.forward_fails", error=message_of(error))) from None
    rows = []
    for text in entries:
        try:
            names = read_entries(text, list(practice.nodes), config)
        except FormulaError as error:
            raise UsageError(_at(f"--grad {visible(repr(text))}", error)) from None
        for name in names:
            v = practice.nodes[name]
            rows.append((name, v.data, 1.0 if name == "L" else v.grad))
    return rows


def write_graph(config, path):
    """The worked example's graph, after backward, as DOT text or (for .svg/.png) a picture."""
    practice = Practice(PracticeNetwork(config), config["X"], config["y"])
    practice.L.backward()
    text = to_dot(practice.L, title="tinygrad_lite practice: L = ½·Σ(y − q)²")
    where = f"--dot {visible(path)}"
    try:
        if path.lower().endswith((".svg", ".png")):
            render(text, path)
        else:
            write_atomically(path, text)
    except (VizError, FileProblem) as error:
        raise UsageError(_at(where, error)) from None
    except OSError as error:
        raise UsageError(Sentence("cli.cannot_write", where=where,
                                  reason=error.strerror or message_of(error))) from None


def write_page(output, path, lang, **options):
    """The interactive page of ``output``'s graph (after backward) to ``path``; says where.
    ``options``: to_html's (run, title, subtitle, columns, bands, inputs)."""
    try:
        text = to_html(output, path, lang=lang, **options)
    except FileProblem as error:
        raise UsageError(_at("--html", error)) from None
    write(say("page.written", lang, path=path, size=f"{len(text.encode('utf-8')) / 1024:.0f}"),
          sys.stderr)


def _practice_page(config, path, lang):
    """The page of a run: the graph over all the data, a state per recorded step."""
    history = run_practice(config, history=True)["history"]
    if history is None:                     # even the first pass failed: nothing to draw
        raise UsageError(Sentence("cli.page_nothing"))
    practice, copies = history["practice"], history["copies"]

    def moved(placement):                   # the page draws the copy of the first pass
        return {id(copies[key]): value for key, value in placement.items() if key in copies}
    inputs = [copies[id(v)] for v in practice.data_leaves() if id(v) in copies]
    title, subtitle = network_title(config, lang)
    write_page(history["graph"], path, lang, run=history["steps"], title=title,
               subtitle=subtitle, columns=moved(practice.columns()),
               bands=moved(practice.bands()), inputs=inputs)


def _explain_options(args):
    """explain()'s keyword arguments from --paths, --group and --max-formula."""
    options = {"group": args.group}
    for flag, value, key in (("--paths", args.paths, "max_paths"),
                             ("--max-formula", args.max_formula, "max_formula")):
        if value is None:
            continue
        if value < 0:
            raise UsageError(Sentence("cli.not_negative", flag=flag, value=value))
        options[key] = None if (key == "max_paths" and value == 0) else value
    if not args.explain and (args.group or args.paths is not None
                             or args.max_formula is not None):
        raise UsageError(Sentence("cli.explain_options"))
    return options


def run_practice_command(args):
    raw = read_config(args.config) if args.config else {}
    if args.lr is not None:
        raw["lr"] = args.lr
    if args.epochs is not None:
        raw["epochs"] = args.epochs
    config = validate_config(raw)
    inputs = []
    d = len(config["X"])
    for text in args.predict:
        x = parse_vector(text)
        if len(x) != d:
            names = ",".join(f"x{j}" for j in range(1, d + 1)) if d <= 5 else f"x1,…,x{d}"
            raise UsageError(Sentence("cli.inputs", text=repr(text), d=d, names=names,
                                      got=len(x)))
        inputs.append(x)
    formulas = [(f"--check {i}", text) for i, text in enumerate(args.check, 1)]
    for path in args.check_file:
        try:
            formulas += [(f"{path}:{line}", text) for line, text in read_formula_file(path)]
        except FormulaError as error:
            raise UsageError(Sentence("cli.check_file", error=error)) from None
    checks = []
    for where, text in formulas:
        try:
            checks.append(check_formula(text, config))
        except FormulaError as error:
            raise UsageError(_at(where, error)) from None
    explanations = []
    options = _explain_options(args)
    if args.explain:
        practice = Practice(PracticeNetwork(config), config["X"], config["y"])
        for text in args.explain:
            try:
                names = read_entries(text, [n for n in practice.nodes if n != "L"], config)
            except FormulaError as error:
                raise UsageError(_at(f"--explain {visible(repr(text))}", error)) from None
            explanations += [explain(practice.L, practice.nodes[name], **options)
                             for name in names]
    if args.dot is not None:
        write_graph(config, args.dot)
    if args.grad:                   # just these entries (and any checks and explanations)
        rows = run_grad_entries(config, args.grad)
        if args.html is not None:
            _practice_page(config, args.html, args.lang_chosen)
        code = _checks_code(checks)
        if args.json:
            document = {"grads": {name: {"value": value, "grad": grad}
                                  for name, value, grad in rows}}
            return _json_with(document, args, checks, explanations), code
        width = max(len(name) for name, _, _ in rows)
        sections = ["\n".join(f"{name:>{width}} = {fmt(value):>11}    ∂L/∂{name} = {fmt(grad)}"
                              for name, value, grad in rows)]
        return _verdicts_first(checks, sections + [e.text(args.lang_chosen)
                                                   for e in explanations], args), code
    result = run_practice(config, predict=inputs, compiled=args.compiled,
                          progress=Progress.for_run(config, args.lang_chosen, sys.stderr))
    if args.html is not None:
        _practice_page(config, args.html, args.lang_chosen)
    code = EXIT_DIVERGED if result["diverged"] is not None else _checks_code(checks)
    if args.json:
        return _json_with(json_document(result), args, checks, explanations), code
    sections = [] if checks and not args.report else [format_report(result, args.lang_chosen)]
    sections += [e.text(args.lang_chosen) for e in explanations]
    return _verdicts_first(checks, sections, args), code


def _verdicts_first(checks, sections, args):
    """The verdicts on the checked formulas first, then the other sections."""
    return "\n\n".join([c.text(args.lang_chosen) for c in checks] + sections)


class Progress:
    """A long run's progress on a terminal: the share done and the time left, on one line
    rewritten in place at most every half second (nothing when stderr is not a terminal)."""

    def __init__(self, stream, lang):
        self.stream, self.lang = stream, lang
        self.start = self.shown = time.perf_counter()

    @classmethod
    def for_run(cls, config, lang, stream):
        """A Progress for a run expected to take more than two seconds, else None."""
        isatty = getattr(stream, "isatty", None)
        if not (isatty and isatty()) or run_work(config) / LINKS_PER_SECOND < 2:
            return None
        return cls(stream, lang)

    def __call__(self, step, steps, epoch):
        now = time.perf_counter()
        if now - self.shown < 0.5 and step < steps:
            return
        self.shown = now
        left = (now - self.start) / step * (steps - step)
        line = say("cli.progress", self.lang, percent=f"{100 * step / steps:.0f}", epoch=epoch,
                   seconds=f"{left:.0f}")
        self.stream.write("\r" + printable(line, getattr(self.stream, "encoding", None)) +
                          ("\n" if step >= steps else ""))
        self.stream.flush()


def _checks_code(checks):
    """The exit code the checked formulas give: 4 if one is undefined, 1 if one is wrong, 5 if
    one is right at the example's point only (numbers in place of names)."""
    verdicts = {c.verdict for c in checks}
    return EXIT_UNDEFINED if "undefined" in verdicts else EXIT_WRONG if "wrong" in verdicts \
        else EXIT_NUMBERS if "numbers" in verdicts else EXIT_OK


def _json_with(document, args, checks, explanations):
    """``document`` with the language, the checks and the explanations, as strict JSON."""
    document["lang"] = args.lang_chosen
    if checks:
        document["checks"] = [c.to_json() for c in checks]
    if explanations:
        document["explanations"] = [e.to_json() for e in explanations]
    return json_text(document)


def json_text(document):
    """Strict JSON: a non-finite number is null, and "nonfinite" says where and what it was."""
    document, replaced = strict_json(document)
    if replaced:
        document["nonfinite"] = replaced
    return json.dumps(document, ensure_ascii=False, indent=2, allow_nan=False)


def main(argv=None):
    """Run the command line; returns the exit code (see the module docstring)."""
    argv = sys.argv[1:] if argv is None else list(argv)
    parser = build_parser(language(_requested_lang(argv), os.environ))
    args = parser.parse_args(argv)
    args.lang_chosen = language(getattr(args, "lang", None), os.environ)
    try:
        try:
            if args.command == "practice":
                output, code = run_practice_command(args)
            else:
                output, code = run_grad_command(args)
        except (ConfigError, UsageError) as error:
            text = error.in_(args.lang_chosen)
            message = "\n".join(shorten(line) for line in text.splitlines())
            write(say("cli.error", args.lang_chosen, prog=PROG, command=args.command,
                      message=message), sys.stderr)
            return EXIT_USAGE
        write(gloss(output, args.lang_chosen) if not getattr(args, "json", False) else output,
              sys.stdout)
        return code
    except KeyboardInterrupt:
        write(say("cli.interrupted", args.lang_chosen, prog=PROG, command=args.command),
              sys.stderr)
        return EXIT_INTERRUPTED
    except BrokenPipeError:
        # the reader went away (``practice | head``): nothing more to say, and no traceback
        # when Python flushes stdout at exit either
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return EXIT_BROKEN_PIPE
