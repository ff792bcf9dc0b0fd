"""The `cxtext` command line: one subcommand per module in `cli.commands`.

The CLI composes the layers (library, models, training, service), so it sits on top of them, outside the
`cxtext` library, which imports none of them. Command modules keep heavy imports inside `run` so that
`cxtext --help` stays instant.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

from cxtext import __version__

# Order is the order shown by `cxtext --help`.
COMMANDS: tuple[str, ...] = (
    "classify",
    "score",
    "drivers",
    "themes",
    "train",
    "evaluate",
    "validate",
    "serve",
)


class CommandError(Exception):
    """A user-facing failure: printed as one line, exit code 2, no traceback."""


def model_and_taxonomy(model_path: str | None, taxonomy_path: str | None):
    """The model (when given) and its taxonomy, else the taxonomy file or the environment's; an unreadable
    model or taxonomy is a CommandError, not a traceback."""
    from cxtext.taxonomy import Taxonomy, TaxonomyError
    from models.artifact import ArtifactError, load_artifact

    try:
        model = load_artifact(model_path).model if model_path else None
        if model is not None:
            return model, model.taxonomy_
        return model, Taxonomy.from_file(taxonomy_path) if taxonomy_path else Taxonomy.from_env()
    except (ArtifactError, TaxonomyError) as exc:
        raise CommandError(str(exc)) from None


def checked_options(args: argparse.Namespace) -> dict[str, object]:
    """The analysis options of a command's flags (`cxtext.analysis.analysis_options`); a bad one is a
    CommandError naming the flag as it is typed (`--min-n`)."""
    from cxtext.analysis.options import analysis_options

    try:
        return analysis_options(args)
    except ValueError as exc:
        name, _, rest = str(exc).partition(" ")
        raise CommandError(f"--{name.replace('_', '-')} {rest}") from None


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="cxtext",
        description="Classify and analyse Persian and English customer feedback.",
    )
    parser.add_argument("--version", action="version", version=f"cxtext {__version__}")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for name in COMMANDS:
        module = importlib.import_module(f"cli.commands.{name}")
        sub = module.add_parser(subparsers)
        sub.set_defaults(run=module.run)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return int(args.run(args) or 0)
    except CommandError as exc:
        print(f"cxtext {args.command}: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
