"""Settings from the environment: what each form of a value reads as, and what a value that
cannot be used does to a command."""

from pathlib import Path

import pytest

from server.settings import Settings, SettingsProblem, load_settings
from tests.server.test_cli import casetrail_on


@pytest.mark.parametrize(
    "value",
    [
        "https://cases.example.gov,http://localhost:5173",
        " https://cases.example.gov , http://localhost:5173 ,",
        '["https://cases.example.gov", "http://localhost:5173"]',
    ],
)
def test_cors_origins_are_read_separated_by_commas_or_as_a_json_list(
    monkeypatch: pytest.MonkeyPatch, value: str
) -> None:
    # given
    monkeypatch.setenv("CASETRAIL_CORS_ALLOW_ORIGINS", value)

    # when
    settings = Settings()

    # then
    assert settings.cors_allow_origins == ["https://cases.example.gov", "http://localhost:5173"]


def test_each_unusable_setting_is_named_by_its_variable_without_its_value(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # given
    monkeypatch.setenv("CASETRAIL_DATABASE_POOL_SIZE", "several-secret")
    monkeypatch.setenv("CASETRAIL_CORS_ALLOW_ORIGINS", '["https://cases.example.gov"')

    # when
    with pytest.raises(SettingsProblem) as raised:
        load_settings()

    # then
    problems = raised.value.problems
    assert [problem.split(":")[0] for problem in problems] == [
        "CASETRAIL_DATABASE_POOL_SIZE",
        "CASETRAIL_CORS_ALLOW_ORIGINS",
    ]
    assert "several-secret" not in str(raised.value)
    assert "cases.example.gov" not in str(raised.value)


def test_a_command_with_an_unusable_setting_says_which_and_runs_nothing(tmp_path: Path) -> None:
    # given
    database = tmp_path / "never.db"
    unusable = {"CASETRAIL_CORS_ALLOW_ORIGINS": "[https://cases.example.gov"}

    # when
    run = casetrail_on(
        f"sqlite+aiosqlite:///{database}", tmp_path, "db", "upgrade", settings=unusable
    )

    # then
    assert run.returncode == 2
    assert run.stderr.startswith("CASETRAIL_CORS_ALLOW_ORIGINS: ")
    assert "Traceback" not in run.stdout + run.stderr
    assert not database.exists()
