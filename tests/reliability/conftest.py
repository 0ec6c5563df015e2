"""One mock process shared by the reliability tests that do not stop or restart it."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from .mockproc import ACCOUNT_A, ACCOUNT_B, Control, MockProcess, start_mock

# Rate limit off (hostile and load traffic would trip it) and room for every event, so
# that nothing recorded is ever dropped from a call's log.
SHARED_MOCK_ARGS = ("--no-rate-limit", "--max-events", "100000")


@pytest.fixture(scope="session")
def mock(tmp_path_factory: pytest.TempPathFactory) -> Iterator[MockProcess]:
    process = start_mock(tmp_path_factory.mktemp("shared-mock"), SHARED_MOCK_ARGS)
    yield process
    process.terminate()


@pytest.fixture(scope="session")
def control_a(mock: MockProcess) -> Iterator[Control]:
    control = Control(mock.base_url, ACCOUNT_A)
    yield control
    control.close()


@pytest.fixture(scope="session")
def control_b(mock: MockProcess) -> Iterator[Control]:
    control = Control(mock.base_url, ACCOUNT_B)
    yield control
    control.close()
