"""The one error family: whose mistake it is, and the exit code the command line returns for it.

Every error ReportPack raises on purpose is a ``ReportPackError``. Its class says who can fix it —
the data (``DataFailedValidation``), the person running the tool or the report owner who edited a
file (``InputError``), the warehouse's availability (``WarehouseUnreachable``) — and the command
line maps it to an exit code without a traceback. Anything else is a bug (``INTERNAL_ERROR``).

Errors in files report owners edit (templates, rules, targets, pack definitions, owner input) are
``OwnerFileError``: they name the file, the line/row/entry, the field and the rule, and say so in
Chinese as well, since report owners are bank staff, not engineers.
"""

from __future__ import annotations

import errno
from enum import IntEnum
from pathlib import Path


class ExitCode(IntEnum):
    """Exit codes of ``reportpack`` (listed in ``--help`` and the README)."""

    OK = 0
    DATA_FAILED_VALIDATION = 1  # a critical expectation failed, or a document failed proofreading: nothing was published
    INPUT_WRONG = 2  # a command-line value, an owner-edited file or the configuration is wrong
    WAREHOUSE_UNREACHABLE = 3  # the warehouse did not answer: worth retrying later
    INTERNAL_ERROR = 4  # a bug in ReportPack: the traceback is kept in a file to report
    ENVIRONMENT = 5  # the machine: a full or read-only disk, no permission, LibreOffice misbehaving


EXIT_CODE_HELP = """exit codes:
  0  success
  1  the data failed validation (critical expectation) or a document failed proofreading
     (an error-level rule of templates/proofreading.yaml); nothing was published
  2  your input is wrong: a command-line value, the configuration or a file a report owner edits
  3  the warehouse cannot be reached; nothing was changed, try again later
  4  internal error (a bug in ReportPack); the traceback is saved to a file named in the message
  5  the machine failed it: a full or read-only disk, a folder it may not write, LibreOffice
     misbehaving; the message names the path or the program — fix that and run again"""


class ReportPackError(Exception):
    """Base of every error ReportPack raises on purpose."""

    exit_code: ExitCode = ExitCode.INTERNAL_ERROR


class InputError(ReportPackError, ValueError):
    """Something given to ReportPack is wrong: a command-line value, a setting, a missing tool."""

    exit_code = ExitCode.INPUT_WRONG


class OwnerFileError(InputError):
    """A file a report owner edits is wrong. ``where`` is the line, row, rule or entry (``line``
    its line number when known); ``field``
    the key; ``rule`` what is required (English); ``rule_zh`` the same for a report owner.
    ``topic_zh`` names the kind of file in Chinese when the problem is only described in English."""

    topic_zh = "报告负责人维护的文件有误"

    def __init__(
        self,
        message: str = "",
        *,
        file: Path | str | None = None,
        where: str | None = None,
        line: int | None = None,
        field: str | None = None,
        rule: str | None = None,
        rule_zh: str | None = None,
    ):
        self.file, self.where, self.line, self.field = file, where, line, field
        self.rule, self.rule_zh = rule, rule_zh
        if not message:
            parts = [str(p) for p in (file, where) if p]
            if field:
                parts.append(f"field {field!r}")
            message = ": ".join([*parts, rule or "invalid"])
        super().__init__(message)

    @property
    def chinese(self) -> str:
        """The same problem for a report owner: 文件、位置、字段、规则."""
        if not self.rule_zh:
            return f"{self.topic_zh}：文件、位置与原因见上一行"
        parts = [f"文件 {self.file}" if self.file else self.topic_zh]
        if self.line:
            parts.append(f"第{self.line}行" + (f"（{self.where}）" if self.where else ""))
        elif self.where:
            parts.append(f"位置 {self.where}")
        if self.field:
            parts.append(f"字段 {self.field}")
        return "，".join(parts) + "：" + self.rule_zh

    def __str__(self) -> str:
        return f"{super().__str__()}\n{self.chinese}"


class EnvironmentProblem(ReportPackError):
    """The machine, not the data, the input or ReportPack: a disk full or read-only, a folder it may
    not write, a helper program (LibreOffice) that misbehaves."""

    exit_code = ExitCode.ENVIRONMENT


# what the operating system says when the disk or the folder, not ReportPack, is the problem
_ENVIRONMENT_ERRNOS = {errno.ENOSPC, errno.EDQUOT, errno.EROFS, errno.EACCES, errno.EPERM, errno.EIO}


def environment_problem(exc: OSError) -> EnvironmentProblem | None:
    """``exc`` as an ``EnvironmentProblem`` naming the path, when it is the machine's; else ``None``."""
    if exc.errno not in _ENVIRONMENT_ERRNOS:
        return None
    where = f": {exc.filename}" if exc.filename else ""
    return EnvironmentProblem(
        f"the machine refused: {exc.strerror}{where} (free space, or let this user write there, and run again)"
    )


class WarehouseUnreachable(ReportPackError):
    """The warehouse did not answer (network, server down, authentication)."""

    exit_code = ExitCode.WAREHOUSE_UNREACHABLE


class DataFailedValidation(ReportPackError):
    """Critical expectations failed on the warehouse's data: nothing may be rendered or published."""

    exit_code = ExitCode.DATA_FAILED_VALIDATION


class DocumentsFailedProofreading(ReportPackError):
    """A written document breaks an error-level proofreading rule (``templates/proofreading.yaml``):
    a verdict its printed numbers do not support, an enumeration of one… Nothing is published; the
    message names each document, sentence and rule."""

    exit_code = ExitCode.DATA_FAILED_VALIDATION
