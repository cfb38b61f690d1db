"""Progress bars are drawn for a person at a terminal, and never into a pipe, a file or a test."""

from __future__ import annotations

import os
import pty
import subprocess
import sys
from pathlib import Path

from hospitaltwin.cli.progress import Bar, progress

ROOT = Path(__file__).resolve().parent.parent
RUN = [sys.executable, "-m", "hospitaltwin", "run", str(ROOT / "scenarios/one-unit.yaml"), "-r", "6",
       "--horizon", "400d"]
COUNT = "/6"  # the bar's "done/total" column


def test_no_bar_when_stderr_is_not_a_terminal():
    with progress("work", 3) as bar:
        assert isinstance(bar, Bar) and not bar.shown
        bar.step(0), bar.update(2, 3), bar.stage("next")  # do nothing, fail nowhere


def test_a_piped_run_prints_no_bar(tmp_path):
    done = subprocess.run([*RUN, "--out", str(tmp_path / "out")], capture_output=True, text=True, cwd=tmp_path, check=False,
                          timeout=300)
    assert done.returncode == 0, done.stderr
    assert COUNT not in done.stderr and COUNT not in done.stdout
    assert "\r" not in done.stderr and "\x1b[" not in done.stderr, "no terminal control codes in a pipe"


def test_a_run_on_a_terminal_draws_its_bar(tmp_path):
    main, child = pty.openpty()
    process = subprocess.Popen([*RUN, "--out", str(tmp_path / "out")], stdout=subprocess.DEVNULL, stderr=child,
                               cwd=tmp_path, env={**os.environ, "COLUMNS": "100", "TERM": "xterm"})
    os.close(child)
    seen = b""
    while True:
        try:
            chunk = os.read(main, 4096)
        except OSError:
            break
        if not chunk:
            break
        seen += chunk
    assert process.wait(timeout=300) == 0
    os.close(main)
    text = seen.decode("utf-8", "replace")
    assert "one-unit" in text and COUNT in text, text[-500:]
