"""The `dataflowio` command: argparse subcommands, one module each, and uniform error handling.

Exit codes: 0 success, 1 data error (one line `dataflowio: error: ...` on stderr naming the file or
argument), 2 usage error, 130 interrupted. `DATAFLOWIO_DEBUG=1` shows the traceback of a data error. Importing this module does no work: each subcommand
module imports what it needs inside its `run(args)`.

>>> main(["--version"])
dataflowio 0.1.0
0
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys

from dataflowio.errors import OpError

# subcommand name -> module (each defines add_parser(subparsers) and run(args) -> int)
COMMANDS: dict[str, str] = {
    "convert": "dataflowio.cli.convert",
    "inspect": "dataflowio.cli.inspect",
    "verify": "dataflowio.cli.verify",
    "index": "dataflowio.cli.index",
    "train-mnist": "dataflowio.cli.train_mnist",
    "bench": "dataflowio.cli.bench",
}

EPILOG = """\
examples:
  dataflowio convert ../shared/data/mnist mnist_records --shards 4 --index
  dataflowio inspect mnist_records/train-00000-of-00004.tfrecord
  dataflowio verify mnist_records/*.tfrecord
  dataflowio train-mnist --data ../shared/data/mnist --model mlp
  dataflowio bench W1 --rounds 3

run `dataflowio COMMAND --help` for the options of a command."""


class UsageError(Exception):
    """A bad combination of arguments found after parsing: exit 2 with `dataflowio: error: ...`."""


class CommandError(Exception):
    """A data problem a command detected itself: exit 1 with `dataflowio: error: ...`."""


def build_parser() -> argparse.ArgumentParser:
    """Returns the parser with every subcommand registered (imports only argparse-level code)."""
    from dataflowio import __version__

    parser = argparse.ArgumentParser(
        prog="dataflowio",
        description="tf.data-style input pipelines, TFRecord tools and an MNIST trainer, "
                    "no TensorFlow needed.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"dataflowio {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for module in COMMANDS.values():
        importlib.import_module(module).add_parser(sub)
    return parser


def one_line(message: object) -> str:
    """Returns `message` folded onto one line (hint lines joined with '; ').

    >>> one_line("a.tfrecord: bad CRC.\\n  hint: re-create it")
    'a.tfrecord: bad CRC. hint: re-create it'
    """
    parts = [p.strip() for p in str(message).splitlines() if p.strip()]
    return " ".join(parts) if parts else type(message).__name__


def main(argv: list[str] | None = None) -> int:
    """Runs the `dataflowio` command line with `argv` (default `sys.argv[1:]`); returns the exit code."""
    try:
        parser = build_parser()
        args = parser.parse_args(argv)
    except SystemExit as e:  # argparse: --help / --version exit 0, usage errors exit 2
        sys.stdout.flush()
        return e.code if isinstance(e.code, int) else (0 if e.code is None else 2)
    try:
        return int(args.run(args) or 0)
    except UsageError as e:
        print(f"dataflowio {args.command}: error: {one_line(e)}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("dataflowio: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:  # `dataflowio inspect ... | head`
        return 0
    except (CommandError, OpError, OSError, ValueError, LookupError, RuntimeError,
            ArithmeticError) as e:
        if os.environ.get("DATAFLOWIO_DEBUG"):
            raise
        print(f"dataflowio: error: {one_line(e)}", file=sys.stderr)
        return 1


def run() -> None:
    """Entry point of the `dataflowio` console script."""
    sys.exit(main())


if __name__ == "__main__":
    run()
