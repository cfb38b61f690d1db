"""The documentation holds together: a short README, every Markdown file it or the code names
exists, its pictures are in the repository, and the docs site builds with warnings as errors."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"
MENTION = re.compile(r"(?<![\w/.:-])([\w][\w./-]*\.md)\b")
LINK = re.compile(r"\]\(([^)#\s]+\.md)(#[^)]*)?\)|!\[[^\]]*\]\(([^)\s]+)\)")


def texts():
    """Every file whose words may name a Markdown file: README, docs, code, tests, scripts."""
    yield ROOT / "README.md"
    for folder, pattern in ((DOCS, "*.md"), (ROOT / "hospitaltwin", "*.py"), (ROOT / "tests", "*.py"),
                            (ROOT / "scripts", "*"), (ROOT / "benchmarks", "*.py"), (ROOT / ".ci", "*")):
        yield from (p for p in sorted(folder.rglob(pattern)) if p.is_file())


def resolves(name: str, where: Path) -> bool:
    return any((base / name).is_file() for base in (where.parent, ROOT, DOCS))


def test_the_readme_is_short():
    words = len((ROOT / "README.md").read_text(encoding="utf-8").split())
    assert words < 1500, f"README.md has {words} words; move detail into docs/"


def test_the_readme_opens_with_the_two_commands():
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    block = re.search(r"```bash\n(.*?)```", text, re.DOTALL).group(1).splitlines()
    assert block == ['python3 -m venv .venv && .venv/bin/pip install -e ".[test]" && scripts/main_job.sh',
                     '.venv/bin/python -m pytest -q -n 2 -m "not slow"']


def test_every_markdown_file_named_anywhere_exists():
    missing = []
    for path in texts():
        text = path.read_text(encoding="utf-8", errors="replace")
        for name in MENTION.findall(text):
            if "://" in name or name.startswith("."):
                continue
            if not resolves(name, path):
                missing.append(f"{path.relative_to(ROOT)}: {name}")
    assert not missing, "named but not in the repository:\n" + "\n".join(missing)


def test_links_and_pictures_of_the_readme_and_docs_resolve():
    broken = []
    for path in [ROOT / "README.md", *sorted(DOCS.rglob("*.md"))]:
        for page, _, picture in LINK.findall(path.read_text(encoding="utf-8")):
            target = page or picture
            if "://" in target:
                continue
            if not (path.parent / target).exists():
                broken.append(f"{path.relative_to(ROOT)}: {target}")
    assert not broken, "\n".join(broken)


def test_the_pictures_are_small():
    pictures = sorted((DOCS / "img").glob("*.png"))
    assert pictures, "the README's pictures of the report live in docs/img/"
    for picture in pictures:
        assert picture.stat().st_size < 150_000, f"{picture.name}: keep committed pictures small"


def test_every_page_is_in_the_navigation():
    config = yaml.safe_load((ROOT / "mkdocs.yml").read_text(encoding="utf-8"))

    def pages(node):
        if isinstance(node, str):
            yield node
        elif isinstance(node, dict):
            for value in node.values():
                yield from pages(value)
        elif isinstance(node, list):
            for item in node:
                yield from pages(item)

    listed = set(pages(config["nav"]))
    on_disk = {str(p.relative_to(DOCS)) for p in DOCS.rglob("*.md")}
    assert on_disk <= listed, f"pages missing from mkdocs.yml's nav: {sorted(on_disk - listed)}"
    assert listed <= on_disk, f"nav entries without a page: {sorted(listed - on_disk)}"


def test_the_site_builds_with_warnings_as_errors(tmp_path):
    if shutil.which("mkdocs", path=str(Path(sys.executable).parent)) is None:
        pytest.skip("mkdocs is not installed (pip install -e '.[docs]'); .ci/run builds the site")
    done = subprocess.run([str(Path(sys.executable).parent / "mkdocs"), "build", "--strict", "-q",
                           "-d", str(tmp_path / "site")], cwd=ROOT, capture_output=True, text=True,
                          check=False, env={"NO_MKDOCS_2_WARNING": "1", "PATH": "/usr/bin:/bin"})
    assert done.returncode == 0, done.stdout + done.stderr
    assert (tmp_path / "site" / "tutorial" / "index.html").is_file()
