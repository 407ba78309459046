"""The shared command line of every script: `--config PATH`, repeatable `--set section.key=value`,
`--out DIR` (default `runs/<config name>`). Bad input ends with one line on stderr and exit code 2."""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path
from typing import Callable

from core.config import ExperimentConfig, load_config
from core.errors import InputError


def parser(description: str) -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(description=description, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--config", required=True, type=Path, help="YAML experiment config, e.g. configs/quick.yaml")
    p.add_argument("--set", action="append", default=[], metavar="SECTION.KEY=VALUE", help="override a config value (repeatable)")
    p.add_argument("--out", type=Path, default=None, help="run directory (default: runs/<config name>)")
    return p


def run_script(
    main: Callable[..., object], description: str, argv: list[str] | None = None, arg_parser: argparse.ArgumentParser | None = None
) -> int:
    """Parse the common arguments, call `main(config=..., out=..., **extra)`, map InputError to exit 2."""

    def with_config(*, config: Path, set: list[str], out: Path | None, **extra) -> None:  # noqa: A002 (--set)
        loaded: ExperimentConfig = load_config(config, set)
        main(config=loaded, out=out or Path("runs") / loaded.name, **extra)

    return run_command(with_config, arg_parser or parser(description), argv)


def run_command(main: Callable[..., object], arg_parser: argparse.ArgumentParser, argv: list[str] | None = None) -> int:
    """Call `main(**parsed arguments)`; bad input ends with one line on stderr and exit code 2."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s: %(message)s", datefmt="%H:%M:%S")
    args = vars(arg_parser.parse_args(argv))
    try:
        main(**args)
    except InputError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    return 0
