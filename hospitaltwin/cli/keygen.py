"""``hospitaltwin keygen --out FILE``: write a new random pseudonymisation key, readable by its owner only."""

from __future__ import annotations

from pathlib import Path

import typer

from hospitaltwin.cli.common import command, out


@command("keygen")
def keygen_command(
    out_path: Path = typer.Option(..., "--out", help="Key file to create (never overwritten).",
                                  metavar="FILE"),
) -> None:
    """Make a pseudonymisation key (256 random bits) for --key-file."""
    from hospitaltwin.eventlog.keys import write_key_file

    path = write_key_file(out_path)
    out.print(f"wrote a new pseudonymisation key to {path} (mode 600: readable by you only)\n"
              "Keep it secret and keep a backup: the same key gives the same pseudonyms, and a "
              "store refuses syncs with another key. Use it with --key-file "
              f"{path} on ingest and sync.", markup=False, highlight=False)
