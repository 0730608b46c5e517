"""Files a user points us at: read with a size limit, written atomically, every failure one line.

    read_text(path, limit, what)     the text of a UTF-8 file of at most ``limit`` bytes
    read_json(path, limit, what)     the same, parsed as JSON (any nesting depth refused cleanly)
    write_atomically(path, text)     replace ``path`` whole or not at all, keeping its mode
    FileProblem                      what went wrong, in one line naming the file

Limits are checked while reading, so /dev/zero or a 3 GB file costs at most ``limit`` bytes.
A leading UTF-8 byte-order mark (as Notepad writes) is dropped.
"""

import json
import os
import stat
import tempfile

from .messages import LANGUAGES, Sentence, Translatable

__all__ = ["read_text", "read_json", "write_atomically", "FileProblem", "FileSystemProblem",
           "CONFIG_LIMIT",
           "FORMULA_FILE_LIMIT", "MODEL_FILE_LIMIT"]

CONFIG_LIMIT = 10 * 2 ** 20          # a practice config: 10 MiB
FORMULA_FILE_LIMIT = 2 * 2 ** 20     # a file of formulas to check: 2 MiB
MODEL_FILE_LIMIT = 512 * 2 ** 20     # a saved model: 512 MiB
CHUNK = 2 ** 20                      # read a MiB at a time

class FileProblem(Translatable, ValueError):
    """A file that cannot be used: too large, binary, not UTF-8 text, not JSON (its content is
    at fault, so it is a ValueError)."""


class FileSystemProblem(FileProblem, OSError):
    """A file the system will not give or take: missing, a directory, unreadable, a name too
    long, a folder that does not exist, a read-only file (an OSError, and a FileProblem)."""


def _problem(kind, what, path, **values):
    """What is wrong with a file, as a Sentence (``what`` is the kind of file, said too)."""
    key = "file.what." + what.replace(" ", "_")
    return Sentence("file." + kind, what=Sentence(key) if key in LANGUAGES["en"] else what,
                    path=path, **values)


def read_text(path, limit, what="file"):
    """The text of ``path`` (UTF-8, BOM dropped), refusing more than ``limit`` bytes."""
    try:
        with open(path, "rb") as file:
            chunks, size = [], 0
            while size <= limit:
                chunk = file.read(min(CHUNK, limit + 1 - size))
                if not chunk:
                    break
                if b"\0" in chunk:      # binary: say so before reading any further
                    raise FileProblem(_problem("binary", what, path))
                chunks.append(chunk)
                size += len(chunk)
            data = b"".join(chunks)
    except FileNotFoundError:
        raise FileSystemProblem(_problem("missing", what, path)) from None
    except IsADirectoryError:
        raise FileSystemProblem(_problem("directory", what, path)) from None
    except OSError as error:
        raise FileSystemProblem(_problem("unreadable", what, path,
                                   reason=error.strerror or str(error))) from None
    if len(data) > limit:
        raise FileProblem(_problem("too_large", what, path, limit=f"{limit:,}"))
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as error:
        raise FileProblem(_problem("not_utf8", what, path, byte=error.start + 1,
                                   value=f"0x{data[error.start]:02x}")) from None
    return text[1:] if text.startswith("\ufeff") else text


def read_json(path, limit, what="file"):
    """``read_text`` parsed as JSON; invalid or too deeply nested JSON is a FileProblem."""
    text = read_text(path, limit, what)
    try:
        return json.loads(text)
    except json.JSONDecodeError as error:
        raise FileProblem(_problem("bad_json", what, path, reason=error.msg,
                                   line=error.lineno, column=error.colno)) from None
    except RecursionError:
        raise FileProblem(_problem("too_deep", what, path)) from None


def write_atomically(path, text):
    """Write ``text`` to ``path`` through a temporary file in the same folder and os.replace,
    so a crash mid-write leaves the previous file whole.  A symlink is followed (its target is
    replaced, the link stays); an existing file keeps its permission bits (a new one gets the
    usual 0666 less the umask); a target that is not a regular file (a directory, a device, a
    pipe) is refused, and so is a read-only file (even for root, who could write it) and an
    empty name.  No temporary file is left behind, whatever fails: every failure is a
    FileSystemProblem (an OSError) naming the file and the reason."""
    if not isinstance(path, (str, os.PathLike)) or not str(path):
        raise FileSystemProblem(Sentence("file.empty_name"))
    target = os.path.realpath(path)
    try:
        mode = stat.S_IMODE(os.stat(target).st_mode) if os.path.exists(target) else None
        if os.path.exists(target) and not os.path.isfile(target):
            raise FileSystemProblem(Sentence("file.not_regular", path=path))
        if mode is not None and not mode & 0o222:
            raise FileSystemProblem(Sentence("file.read_only", path=path))
    except FileSystemProblem:
        raise
    except OSError as error:
        raise FileSystemProblem(Sentence("file.cannot_write", path=path,
                                         reason=error.strerror or str(error))) from None
    if mode is None:
        mask = os.umask(0)
        os.umask(mask)
        mode = 0o666 & ~mask
    folder = os.path.dirname(target)
    try:
        handle, temporary = tempfile.mkstemp(prefix=".tmp-", suffix=".json", dir=folder)
    except OSError as error:
        raise FileSystemProblem(Sentence("file.cannot_write_in", path=path, folder=folder,
                                         reason=error.strerror or str(error))) from None
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as file:
            file.write(text)
            file.flush()
            os.fsync(file.fileno())
        os.chmod(temporary, mode)
        os.replace(temporary, target)
    except OSError as error:
        if os.path.exists(temporary):
            os.unlink(temporary)
        raise FileSystemProblem(Sentence("file.cannot_write", path=path,
                                         reason=error.strerror or str(error))) from None
    except BaseException:
        if os.path.exists(temporary):
            os.unlink(temporary)
        raise
