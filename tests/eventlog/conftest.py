"""Shared fixtures of the event-log tests: a key, fixture paths, the real-data folder."""

import os
from pathlib import Path

import pytest

FIXTURES = Path(__file__).parent / "fixtures"
REPO = Path(__file__).resolve().parents[2]
KEY = b"test-key-0123456789abcdef"


def data_dir() -> Path:
    """Real data: $HOSPITALTWIN_DATA, else ../shared/data beside the checkout."""
    return Path(os.environ.get("HOSPITALTWIN_DATA", REPO.parent / "shared" / "data"))


def need(path: Path) -> Path:
    """Skip the test with a clear message when a real-data file is absent."""
    if not path.exists():
        pytest.skip(f"real data not found at {path} (set HOSPITALTWIN_DATA to the folder "
                    "holding mimic-iv-demo-2.2/ and sepsis-cases/)")
    return path


@pytest.fixture
def key() -> bytes:
    return KEY


@pytest.fixture
def fixtures() -> Path:
    return FIXTURES
