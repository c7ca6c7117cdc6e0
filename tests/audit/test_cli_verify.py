"""`casetrail audit keygen|export|verify`, run as an operator runs them: in their own process,
against a SQLite file, with a signing key configured by CASETRAIL_AUDIT_SIGNING_KEY_FILE."""

import json
import os
import shutil
import sqlite3
import stat
import subprocess
from pathlib import Path
from typing import Any

import pytest

from audit.checkpoints import generate_key, load_public_key, public_pem
from tests.server.test_cli import COMMAND, TIMEOUT_SECONDS

CHECKPOINT_EVERY = 2
CLERKS = ["clerk-0", "clerk-1", "clerk-2", "clerk-3"]  # one audited event each


def casetrail(
    database: Path, *args: str, key: Path | None = None
) -> subprocess.CompletedProcess[str]:
    """Run `casetrail ARGS` in the database's directory, with only this database (and the
    signing key, when given) configured."""
    environment = {k: v for k, v in os.environ.items() if not k.startswith("CASETRAIL_")}
    environment |= {
        "CASETRAIL_DATABASE_URL": f"sqlite+aiosqlite:///{database}",
        "COLUMNS": "200",
        "NO_COLOR": "1",
    }
    if key is not None:
        environment |= {
            "CASETRAIL_AUDIT_SIGNING_KEY_FILE": str(key),
            "CASETRAIL_AUDIT_CHECKPOINT_EVERY": str(CHECKPOINT_EVERY),
        }
    return subprocess.run(
        [*COMMAND, *args],
        cwd=database.parent,
        env=environment,
        capture_output=True,
        text=True,
        timeout=TIMEOUT_SECONDS,
        check=False,
    )


def report(result: subprocess.CompletedProcess[str]) -> dict[str, Any]:
    """The JSON report a `--json` run printed."""
    parsed: dict[str, Any] = json.loads(result.stdout)
    return parsed


def database_files(database: Path) -> list[Path]:
    return [database.with_name(database.name + suffix) for suffix in ("", "-wal", "-shm")]


@pytest.fixture(scope="module")
def signed_template(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A database with four tokens created by the CLI with a signing key (checkpoints at 2
    and 4), made once; each test works on a copy."""
    directory = tmp_path_factory.mktemp("signed")
    database = directory / "cli.db"
    key = directory / "signing-key.pem"
    generate_key(key)
    assert casetrail(database, "db", "upgrade", key=key).returncode == 0
    for name in CLERKS:
        created = casetrail(
            database, "token", "create", "--name", name, "--role", "OFFICER", key=key
        )
        assert created.returncode == 0, created.stderr
    return database, key


@pytest.fixture
def signed(signed_template: tuple[Path, Path], tmp_path: Path) -> tuple[Path, Path]:
    """A copy of the signed database, and the signing key."""
    template, key = signed_template
    database = tmp_path / "cli.db"
    for source, target in zip(database_files(template), database_files(database), strict=True):
        if source.exists():
            shutil.copyfile(source, target)
    return database, key


def sql(database: Path, *statements: str) -> None:
    """Statements straight on the file, as someone with access to it could run them."""
    with sqlite3.connect(database) as connection:
        for statement in statements:
            connection.execute(statement)
    connection.close()


def stored_events(database: Path) -> list[tuple[int, str]]:
    with sqlite3.connect(database) as connection:
        rows = connection.execute("SELECT sequence, hash FROM audit_event ORDER BY sequence")
        events = [(int(sequence), str(hash_)) for sequence, hash_ in rows]
    connection.close()
    return events


# ---------------------------------------------------------------- keygen


def test_keygen_writes_an_owner_only_private_key_and_prints_its_public_key(
    tmp_path: Path,
) -> None:
    # when
    result = casetrail(tmp_path / "cli.db", "audit", "keygen", "key.pem")

    # then
    key = tmp_path / "key.pem"
    assert result.returncode == 0, result.stderr
    assert stat.S_IMODE(key.stat().st_mode) == 0o600
    assert key.read_bytes().startswith(b"-----BEGIN PRIVATE KEY-----\n")
    assert result.stdout == public_pem(load_public_key(key))
    assert result.stdout.startswith("-----BEGIN PUBLIC KEY-----\n")


def test_keygen_refuses_to_overwrite_a_key(tmp_path: Path) -> None:
    # given
    assert casetrail(tmp_path / "cli.db", "audit", "keygen", "key.pem").returncode == 0
    key = tmp_path / "key.pem"
    before = key.read_bytes()

    # when
    again = casetrail(tmp_path / "cli.db", "audit", "keygen", "key.pem")

    # then
    assert again.returncode == 1
    assert again.stdout == ""
    assert "exists" in again.stderr
    assert key.read_bytes() == before
    assert stat.S_IMODE(key.stat().st_mode) == 0o600


# ---------------------------------------------------------------- verify the database


def test_verify_accepts_an_untouched_signed_history(signed: tuple[Path, Path]) -> None:
    # given
    database, key = signed

    # when
    plain = casetrail(database, "audit", "verify", key=key)
    as_json = casetrail(database, "audit", "verify", "--json", key=key)

    # then
    assert plain.returncode == 0, plain.stderr
    assert "valid" in plain.stderr
    assert as_json.returncode == 0, as_json.stderr
    assert report(as_json) == {
        "valid": True,
        "event_count": len(CLERKS),
        "head_hash": stored_events(database)[-1][1],
        "first_invalid_sequence": None,
        "problems": [],
        "drifted_entities": [],
        "checkpoints_checked": len(CLERKS) // CHECKPOINT_EVERY,
    }


def test_verify_fails_on_a_database_whose_event_was_edited(signed: tuple[Path, Path]) -> None:
    # given
    database, key = signed

    # when
    sql(
        database,
        "DROP TRIGGER audit_event_no_update",
        "UPDATE audit_event SET actor_name = 'someone-else' WHERE sequence = 3",
    )

    # then
    plain = casetrail(database, "audit", "verify", key=key)
    as_json = casetrail(database, "audit", "verify", "--json", key=key)
    assert plain.returncode == 1
    assert "First invalid sequence: 3" in plain.stderr
    assert as_json.returncode == 1
    assert report(as_json)["valid"] is False
    assert report(as_json)["first_invalid_sequence"] == 3
    assert report(as_json)["problems"] == ["event 3 does not match its hash"]


def test_verify_refuses_checkpoints_when_another_key_is_trusted(
    signed: tuple[Path, Path],
) -> None:
    # given
    database, key = signed
    other = database.with_name("other-key.pem")
    generate_key(other)

    # when
    result = casetrail(database, "audit", "verify", "--json", "--public-key", str(other), key=key)

    # then
    assert result.returncode == 1
    assert report(result)["first_invalid_sequence"] == 1
    assert report(result)["problems"] == [
        f"the checkpoint at {size} events is not signed by the trusted key" for size in (2, 4)
    ]


def test_verify_with_checkpoints_kept_outside_catches_a_truncated_database(
    signed: tuple[Path, Path],
) -> None:
    # given an export taken earlier
    database, key = signed
    assert casetrail(database, "audit", "export", "h.jsonl", key=key).returncode == 0

    # when the last two events, the checkpoint vouching for them and the tokens they recorded
    # are removed
    sql(
        database,
        "DROP TRIGGER audit_event_no_delete",
        "DROP TRIGGER audit_checkpoint_no_delete",
        "DELETE FROM audit_event WHERE sequence > 2",
        "DELETE FROM audit_checkpoint WHERE size > 2",
        "DELETE FROM api_token WHERE name IN ('clerk-2', 'clerk-3')",
    )

    # then the database alone looks whole; held to the export's checkpoints it does not
    alone = casetrail(database, "audit", "verify", key=key)
    held = casetrail(database, "audit", "verify", "--checkpoints", "h.jsonl", "--json", key=key)
    assert alone.returncode == 0, alone.stderr
    assert held.returncode == 1
    assert report(held)["valid"] is False
    assert report(held)["event_count"] == 2
    assert report(held)["first_invalid_sequence"] == 3
    assert report(held)["problems"] == [
        "the log has 2 events but a checkpoint vouches for 4: it was truncated"
    ]


# ---------------------------------------------------------------- export and verify a file


def test_an_export_verifies_offline(signed: tuple[Path, Path]) -> None:
    # given
    database, key = signed
    head = stored_events(database)[-1][1]
    exported = casetrail(database, "audit", "export", "h.jsonl", key=key)
    for path in database_files(database):
        path.unlink(missing_ok=True)

    # when
    plain = casetrail(database, "audit", "verify", "--file", "h.jsonl", key=key)
    as_json = casetrail(database, "audit", "verify", "--file", "h.jsonl", "--json", key=key)

    # then
    assert exported.returncode == 0, exported.stderr
    assert f"Exported {len(CLERKS)} events" in exported.stderr
    assert plain.returncode == 0, plain.stderr
    assert as_json.returncode == 0, as_json.stderr
    assert report(as_json) == {
        "valid": True,
        "event_count": len(CLERKS),
        "head_hash": head,
        "first_invalid_sequence": None,
        "problems": [],
        "drifted_entities": [],
        "checkpoints_checked": len(CLERKS) // CHECKPOINT_EVERY,
    }
    assert not database.exists()


def test_an_export_with_an_edited_event_fails_verification(signed: tuple[Path, Path]) -> None:
    # given
    database, key = signed
    assert casetrail(database, "audit", "export", "h.jsonl", key=key).returncode == 0
    export = database.with_name("h.jsonl")
    lines = export.read_text(encoding="utf-8").splitlines(keepends=True)
    edited = [
        n for n, line in enumerate(lines) if '"sequence":3,' in line and '"type":"event"' in line
    ]
    assert len(edited) == 1

    # when one character of its action changes
    original = lines[edited[0]]
    lines[edited[0]] = original.replace('"action":"token create"', '"action":"token creatE"')
    assert lines[edited[0]] != original
    export.write_text("".join(lines), encoding="utf-8")

    # then
    plain = casetrail(database, "audit", "verify", "--file", "h.jsonl", key=key)
    as_json = casetrail(database, "audit", "verify", "--file", "h.jsonl", "--json", key=key)
    assert plain.returncode == 1
    assert as_json.returncode == 1
    assert report(as_json)["valid"] is False
    assert report(as_json)["first_invalid_sequence"] == 3
    assert report(as_json)["problems"] == ["event 3 does not match its hash"]
