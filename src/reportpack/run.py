"""One run of a pack: its private folder and its typed state (``run.json``), shared by the phases.

Each phase (extract → validate → derive → render → assemble → publish) may run in another process or on
another Airflow worker; what one phase tells the next goes through ``run.json``, read and written
only through ``RunState`` so a misspelt or missing key is an error, not a silent ``None``.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict

from reportpack.errors import InputError
from reportpack.periods import Period
from reportpack.settings import redact


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class QualityWarning(_Strict):
    """A warning-severity expectation that failed: rendered into the documents it concerns."""

    suite: str
    expectation: str
    columns: list[str]
    unexpected_count: int
    element_count: int
    message: str
    units: list[str]  # the units whose rows broke the rule; empty = the whole table (every document)
    rule: dict[str, Any]  # min_value / max_value as the suite states them (int stays int)
    unit_values: dict[str, dict[str, Any]]  # the broken columns' values per unit, for review comments
    rule_zh: str = ""  # source-grain rules (suite "source/<table>") carry their rule in Chinese


class ValidationLayer(_Strict):
    """One layer's outcome: ``source`` (the warehouse's rows, in the database) or ``extracted``."""

    status: str  # passed | passed with warnings | failed
    expectations: dict[str, int]  # suite → number of expectations
    warnings: list[QualityWarning]
    critical: list[str]  # one message per failed critical expectation
    quarantine: str | None  # folder of the offending rows


class ValidationState(ValidationLayer):
    """Both layers together (what documents and the manifest read), and each layer as recorded —
    a re-run of one layer replaces its own outcome."""

    layers: dict[str, ValidationLayer] = {}

    @classmethod
    def of(cls, layers: dict[str, ValidationLayer]) -> ValidationState:
        ordered = [layers[name] for name in ("source", "extracted") if name in layers]
        warnings = [w for layer in ordered for w in layer.warnings]
        critical = [c for layer in ordered for c in layer.critical]
        return cls(
            status="failed" if critical else ("passed with warnings" if warnings else "passed"),
            expectations={k: v for layer in ordered for k, v in layer.expectations.items()},
            warnings=warnings,
            critical=critical,
            quarantine=next((layer.quarantine for layer in reversed(ordered) if layer.quarantine), None),
            layers=layers,
        )


class Failure(_Strict):
    """Why the run stopped: the phase, the exit code the CLI returns for it, the message."""

    phase: str
    exit_code: int
    message: str


class RunState(_Strict):
    run_id: str
    started_at: str
    pack: str  # the pack definition's name (templates/packs/<pack>.yaml)
    period: str | None = None  # the period's label (2023H1); a run recorded before it was kept has none
    as_of: str | None = None  # a provisional run: the period's data cut at this month end (Period.until)
    inputs: list[str]  # owner files received, relative to inputs/<period>/
    rows: dict[str, int] | None = None  # extract: rows per table
    data_sha256: str | None = None  # extract: hash of the extracted data
    data_files_sha256: str | None = None  # extract: hash of the files it saved (publish checks they are unchanged)
    validation: ValidationState | None = None  # validate
    documents: dict[str, str] | None = None  # render: path in the pack → kind
    seconds: dict[str, float] = {}  # each phase's duration (render split into render and assemble)
    failed: Failure | None = None
    recovered: list[str] = []  # interrupted publications this run finished or rolled back first (publish.transition)


@dataclass(frozen=True)
class Run:
    """Where one run keeps its files. ``folder`` is private to the run until publication."""

    folder: Path
    period: Period
    warehouse_url: str

    @property
    def data(self) -> Path:
        return self.folder / "data"

    @property
    def pack(self) -> Path:
        return self.folder / "pack"

    @property
    def figures(self) -> Path:
        return self.folder / "figures"

    @property
    def quarantine(self) -> Path:
        return self.folder / "quarantine"

    @property
    def work(self) -> Path:
        """What one phase leaves for the next and the pack does not hold (the compilations' texts and layout copies)."""
        return self.folder / "work"

    def ref(self) -> dict:
        """What Airflow passes between tasks (XCom, stored in its database and shown in its UI): small,
        JSON, and without the warehouse's password — the warehouse only as ``redact`` shows it; each
        task resolves the URL itself (``from_ref``)."""
        return {
            "folder": str(self.folder),
            "period": self.period.label,
            "as_of": self.period.end.isoformat() if self.period.provisional else None,
            "warehouse": redact(self.warehouse_url),
        }

    @classmethod
    def from_ref(cls, ref: dict, warehouse_url: str) -> Run:
        """The run ``ref`` names, on ``warehouse_url`` as the task resolved it (a connection, the
        environment); refused when that is not the warehouse the run started on."""
        if redact(warehouse_url) != ref["warehouse"]:
            raise InputError(
                f"run {ref['folder']} started on warehouse {ref['warehouse']}, but this task's warehouse is "
                f"{redact(warehouse_url)}: the connection changed during the run; start the run again"
            )
        period = Period.parse(ref["period"])
        if ref.get("as_of"):
            period = period.until(date.fromisoformat(ref["as_of"]))
        return cls(Path(ref["folder"]), period, warehouse_url)

    @property
    def state(self) -> RunState:
        found = load_state(self.folder)
        if found is None:
            raise FileNotFoundError(f"{self.folder / STATE_FILE}: the run was not started (pipeline.start)")
        return found

    def update(self, **changes: object) -> RunState:
        """Set fields of the state (validated) and write it back."""
        state = RunState.model_validate(self.state.model_dump() | changes)
        write_state(self.folder, state)
        return state


STATE_FILE = "run.json"


def load_state(folder: Path) -> RunState | None:
    path = folder / STATE_FILE
    return RunState.model_validate_json(path.read_text("utf-8")) if path.exists() else None


def write_state(folder: Path, state: RunState) -> None:
    tmp = folder / (STATE_FILE + ".tmp")
    tmp.write_text(state.model_dump_json(indent=1), "utf-8")
    tmp.replace(folder / STATE_FILE)


def now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


class PeriodBusy(InputError):
    """Another run holds the period's lock: names it."""


_HELD: dict[Path, int] = {}  # the period locks this process holds (path → depth): re-entered, not re-taken


@contextmanager
def period_lock(output_dir: Path, period_label: str, holder: str) -> Iterator[None]:
    """One run at a time per period: an exclusive lock on ``<output>/.locks/<period>.lock`` (released
    by the operating system when the process ends, however it ends), held around a whole CLI run and
    around every publication. A second run is refused at once with ``PeriodBusy`` naming the holder
    (``holder``: its run id; the lock file says which process and since when). Re-entered freely by
    the process that holds it."""
    import fcntl
    import json
    import os
    import socket

    path = (output_dir / ".locks" / f"{period_label}.lock").resolve()
    if path in _HELD:
        _HELD[path] += 1
        try:
            yield
        finally:
            _HELD[path] -= 1
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            who = os.pread(fd, 4096, 0).decode("utf-8", "replace").strip() or "{}"
            try:
                info = json.loads(who)
            except ValueError:
                info = {}
            raise PeriodBusy(
                f"period {period_label} is being built by run {info.get('run', '?')} (process {info.get('pid', '?')} on "
                f"{info.get('host', '?')}, since {info.get('since', '?')}): wait for it to end, then run again "
                f"(lock {path})"
            ) from None
        record = json.dumps({"run": holder, "pid": os.getpid(), "host": socket.gethostname(), "since": now()})
        os.ftruncate(fd, 0)
        os.pwrite(fd, record.encode(), 0)
        _HELD[path] = 1
        try:
            yield
        finally:
            del _HELD[path]
            os.ftruncate(fd, 0)
    finally:
        os.close(fd)  # releases the lock
