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


def _is_click_exception(exc: BaseException) -> bool:
    """True for click's ClickException, whether from ``click`` or typer's vendored copy."""
    kinds: list[type] = []
    try:
        from typer._click.exceptions import ClickException as TyperClickException

        kinds.append(TyperClickException)
    except ImportError:  # older typer: uses click itself
        pass
    try:
        import click

        kinds.append(click.ClickException)
    except ImportError:
        pass
    return isinstance(exc, tuple(kinds))


def main(argv: list[str] | None = None) -> int:
    """Console-script entry point: run the app, print user errors without a traceback."""
    try:
        rv = app(args=argv, standalone_mode=False)
        # Non-standalone typer turns Ctrl-C (and typer.Exit) into a *returned* exit code; keep it.
        if isinstance(rv, int) and not isinstance(rv, bool) and rv != 0:
            if rv == 130:
                _err.print("interrupted")
            return rv
    except LunapoleError as exc:
        from rich.markup import escape  # messages quote TOML tables like [dispersions]: not markup

        _err.print(f"[bold red]error:[/] {escape(str(exc))}", highlight=False, soft_wrap=True)
        return int(getattr(exc, "exit_code", 2))  # 130 for an interrupted (resumable) campaign
    except typer.Abort:
        _err.print("aborted")
        return 130
    except KeyboardInterrupt:
        _err.print("interrupted")
        return 130
    except SystemExit as exc:  # typer/click usage errors
        return int(exc.code or 0)
    except Exception as exc:  # usage errors come as ClickException (typer >= 0.22 vendors click as typer._click)
        show = getattr(exc, "show", None)
        if _is_click_exception(exc) and show is not None:
            show()
            return int(getattr(exc, "exit_code", 2))
        raise
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
