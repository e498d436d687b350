"""Exchange sessions and their files: `checkauth` opens a session (a signed token in a cookie),
the files 1C uploads in it are kept in its own folder under settings.ONEC_EXCHANGE_DIR."""

from __future__ import annotations

import secrets
import shutil
import time
from pathlib import Path, PurePosixPath

from django.conf import settings
from django.core import signing

COOKIE_NAME = "onec_exchange"
SESSION_MAX_AGE = 12 * 3600
#: Folders of sessions older than this are removed when a new session starts.
KEEP_FOLDERS_SECONDS = 3 * 24 * 3600
_SALT = "fulfillment.onec.session"


class BadFileName(ValueError):
    pass


def session_open() -> tuple[str, str]:
    """A new session: (its id, the cookie value)."""
    session = secrets.token_hex(16)
    return session, signing.dumps(session, salt=_SALT)


def session_from_cookie(value: str | None) -> str | None:
    if not value:
        return None
    try:
        return signing.loads(value, salt=_SALT, max_age=SESSION_MAX_AGE)
    except signing.BadSignature:
        return None


def session_dir(session: str) -> Path:
    return Path(settings.ONEC_EXCHANGE_DIR) / session


def session_reset(session: str) -> None:
    """mode=init: the session starts with an empty folder."""
    shutil.rmtree(session_dir(session), ignore_errors=True)
    session_dir(session).mkdir(parents=True, exist_ok=True)


def file_path(session: str, filename: str) -> Path:
    """Where `filename` (as 1C names it, sub-folders allowed) lives in the session's folder;
    BadFileName for anything that could leave it."""
    name = PurePosixPath(filename.replace("\\", "/"))
    if not filename or name.is_absolute() or any(part in ("", "..") for part in name.parts):
        raise BadFileName(filename)
    return session_dir(session).joinpath(*name.parts)


def file_append(session: str, filename: str, stream, *, chunk: int = 64 * 1024) -> int:
    """Append the request body to the file (1C sends large files in several pieces)."""
    path = file_path(session, filename)
    path.parent.mkdir(parents=True, exist_ok=True)
    written = 0
    with open(path, "ab") as out:
        while piece := stream.read(chunk):
            out.write(piece)
            written += len(piece)
    return written


_END_TAGS = tuple(
    "</КоммерческаяИнформация>".encode(encoding) for encoding in ("utf-8", "windows-1251")
)


def file_complete(path: Path) -> bool:
    """The XML file ends with its root's closing tag: the last piece has arrived."""
    size = path.stat().st_size
    with open(path, "rb") as stream:
        stream.seek(max(size - 256, 0))
        tail = stream.read().rstrip()
    return tail.endswith(_END_TAGS)


def folders_cleanup(*, now: float | None = None) -> int:
    """Remove the folders of old sessions; returns how many."""
    root = Path(settings.ONEC_EXCHANGE_DIR)
    if not root.is_dir():
        return 0
    limit = (now or time.time()) - KEEP_FOLDERS_SECONDS
    removed = 0
    for folder in root.iterdir():
        if folder.is_dir() and folder.stat().st_mtime < limit:
            shutil.rmtree(folder, ignore_errors=True)
            removed += 1
    return removed
