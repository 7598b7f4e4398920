"""The ``lunapole`` command line (Typer + Rich).

Each command lives in its own module with a ``register(app)`` function; this module only
assembles them and turns :class:`lunapole.errors.LunapoleError` into a clean message and exit code 2.
"""
from __future__ import annotations

import sys

import typer
from rich.console import Console

from lunapole.errors import LunapoleError

app = typer.Typer(
    name="lunapole",
    help="Plan, simulate and stress-test landings at the lunar south pole.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

_err = Console(stderr=True)


def _register_commands() -> None:
    from lunapole.cli import data_cmd, montecarlo_cmd, replay_cmd, run_cmd, sites_cmd

    for module in (run_cmd, replay_cmd, montecarlo_cmd, sites_cmd, data_cmd):
        module.register(app)


_register_commands()


def main(argv: list[str] | None = None) -> int:
    """Console-script entry point: run the app, print user errors without a traceback."""
    try:
        app(args=argv, standalone_mode=False)
    except LunapoleError as exc:
        from rich.markup import escape  # messages quote TOML tables like [dispersions]: not markup

        _err.print(f"[bold red]error:[/] {escape(str(exc))}", highlight=False, soft_wrap=True)
        return 2
    except typer.Abort:
        _err.print("aborted")
        return 130
    except KeyboardInterrupt:
        _err.print("interrupted")
        return 130
    except SystemExit as exc:  # typer/click usage errors
        return int(exc.code or 0)
    except Exception as exc:  # click usage errors come as ClickException
        import click

        if isinstance(exc, click.ClickException):
            exc.show()
            return exc.exit_code
        raise
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
