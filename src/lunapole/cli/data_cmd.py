"""The ``lunapole data`` commands: list the known gravity fields and where each is found; fetch one."""
from __future__ import annotations

import typer
from rich.console import Console
from rich.table import Table

data_app = typer.Typer(name="data", help="Gravity-field data: list what is available, download what is not.",
                       no_args_is_help=True)
_out = Console()


@data_app.command("list")
def list_fields() -> None:
    """Show the known gravity fields, their degree, and where each is found."""
    from lunapole.gravity.catalog import CATALOG, DEFAULT_FIELD, locations

    table = Table(title="Lunar gravity fields", show_lines=False)
    table.add_column("name", style="bold")
    table.add_column("degree", justify="right")
    table.add_column("found in", overflow="fold")
    table.add_column("reference", overflow="fold")
    for key in sorted(CATALOG):
        entry = CATALOG[key]
        copies = locations(entry.name)
        if copies:
            where = "\n".join(f"{kind} (deg {deg}): {path}" for kind, path, deg in copies)
        else:
            where = f"[yellow]not yet fetched[/] (`lunapole data fetch {entry.name}`)"
        label = entry.name + (" (default)" if entry.name == DEFAULT_FIELD else "")
        table.add_row(label, str(entry.degree), where, entry.reference)
    _out.print(table)


@data_app.command("fetch")
def fetch(name: str = typer.Argument(..., help="Catalog name, e.g. GRGM900C or LP165P."),
          url: str = typer.Option(None, help="Download from this URL (e.g. a mirror) instead of the archive's."),
          ) -> None:
    """Download a gravity field from its archive into the user cache (checksum-verified when known)."""
    from lunapole.gravity.catalog import CATALOG, fetch_field

    path = fetch_field(name, url=url, progress=False)
    entry = CATALOG[name.upper()]
    note = "verified sha256" if entry.sha256 else "checksum recorded on first download"
    _out.print(f"[green]{entry.name}[/] -> {path} ({note})")


def register(app: typer.Typer) -> None:
    """Add the ``data`` sub-app to the lunapole CLI."""
    app.add_typer(data_app, name="data")
