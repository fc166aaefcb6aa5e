"""The single `pyk8s` command: one subcommand per component.

Each component module in pyk8s/cli/ exposes `add_parser(subparsers)`, which registers its
subcommand and sets `func` to the coroutine or function that runs it.
"""

from __future__ import annotations

import argparse
import asyncio
import importlib
import inspect
import sys

# Subcommand modules, in the order the tutorials start the components.
COMMANDS = [
    "apiserver",
    "controller_manager",
    "scheduler",
    "kubelet",
    "proxy",
    "up",
    "pki",
    "image",
    "hollow_nodes",
]


def build_parser(only: str | None = None) -> argparse.ArgumentParser:
    """The parser with every subcommand, or with just `only` when that names one.

    Importing a component's CLI module can be costly (the scheduler's pulls in numpy), so
    running one component registers only that component's subcommand.
    """
    parser = argparse.ArgumentParser(prog="pyk8s", description=__doc__.splitlines()[0])
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    wanted = [only.replace("-", "_")] if only and only.replace("-", "_") in COMMANDS else COMMANDS
    for name in wanted:
        importlib.import_module(f"pyk8s.cli.{name}").add_parser(subparsers)
    return parser


def main(argv: list[str] | None = None) -> int:
    arguments = sys.argv[1:] if argv is None else argv
    parser = build_parser(arguments[0] if arguments else None)
    args = parser.parse_args(arguments)
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    result = args.func(args)
    if inspect.iscoroutine(result):
        try:
            result = asyncio.run(result)
        except KeyboardInterrupt:
            return 130
    return int(result or 0)


if __name__ == "__main__":
    sys.exit(main())
