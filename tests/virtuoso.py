"""Start and stop a private Virtuoso 7 for tests (adapted from shared/notes/virtuoso-start.sh).

A plain `virtuoso-t +foreground` process bound to 127.0.0.1 on free ports, with its own
virtuoso.ini and database in a temporary folder; stopped by PID. A fresh database has dba/dba.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

VSP_ROOT = Path("/var/lib/virtuoso-opensource-7/vsp")

INI = """\
[Database]
DatabaseFile       = {d}/db/virtuoso.db
ErrorLogFile       = {d}/db/virtuoso.log
LockFile           = {d}/db/virtuoso.lck
TransactionFile    = {d}/db/virtuoso.trx
xa_persistent_file = {d}/db/virtuoso.pxa
ErrorLogLevel      = 7
FileExtend         = 200
Striping           = 0
TempStorage        = TempDatabase

[TempDatabase]
DatabaseFile    = {d}/db/virtuoso-temp.db
TransactionFile = {d}/db/virtuoso-temp.trx

[Parameters]
ServerPort         = 127.0.0.1:{isql_port}
DisableUnixSocket  = 1
CheckpointInterval = 60
DirsAllowed        = ., {d}/import
NumberOfBuffers    = {buffers}
MaxDirtyBuffers    = {dirty_buffers}
CaseMode           = 2

[HTTPServer]
ServerPort           = 127.0.0.1:{http_port}
{server_root}ServerThreads        = 10
MaxClientConnections = 10
Charset              = UTF-8

[SPARQL]
ResultSetMaxRows           = 100000
MaxQueryExecutionTime      = {max_execution_time}
MaxQueryCostEstimationTime = {max_cost_estimation_time}
"""

# Sizing per use. A buffer is one 8 KB database page (about 8.5 KB with its header).
# - "tests": the seed graph (10k triples): 85 MB of buffers are plenty.
# - "full": the full graph loaded by `kg load` (3.34M quads in named graphs + 3.3M in the union
#   graph): Virtuoso's own table for about 4 GB of free memory (340000 buffers = 2.8 GB, dirty
#   pages capped at 250000 so a checkpoint does not stall the loaders).
# In both, the planner's cost-estimate guard is off (MaxQueryCostEstimationTime = 0): it refuses
# queries before running them ("estimated execution time 355018 (sec) exceeds the limit of 400"
# for figures-differing-across-documents even on the seed graph, which then runs in 20 ms), so
# the execution time limit is the real guard.
PROFILES: dict[str, dict[str, int]] = {
    "tests": {"buffers": 10000, "dirty_buffers": 6000, "max_execution_time": 60,
              "max_cost_estimation_time": 0},
    "full": {"buffers": 340000, "dirty_buffers": 250000, "max_execution_time": 300,
             "max_cost_estimation_time": 0},
}


def virtuoso_binary() -> str | None:
    return shutil.which("virtuoso-t")


def free_port() -> int:
    # Bind port 0 and give it back: the kernel picks one nobody is listening on.
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Virtuoso:
    directory: Path
    http_port: int
    isql_port: int
    profile: str = "tests"
    process: subprocess.Popen[bytes] | None = None
    user: str = "dba"
    password: str = "dba"  # a fresh database's login; tests only
    _log: object = field(default=None, repr=False)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.http_port}"

    @property
    def sparql_url(self) -> str:
        return f"{self.base_url}/sparql"

    @property
    def import_dir(self) -> Path:
        """A folder in DirsAllowed: the bulk loader reads files from here."""
        return self.directory / "import"

    @property
    def gsp_url(self) -> str:
        return f"{self.base_url}/sparql-graph-crud-auth"

    @property
    def pid(self) -> int | None:
        return self.process.pid if self.process else None

    def start(self, timeout: float = 60.0) -> None:
        binary = virtuoso_binary()
        if binary is None:
            raise RuntimeError("virtuoso-t is not installed")
        d = self.directory
        (d / "db").mkdir(parents=True, exist_ok=True)
        (d / "import").mkdir(exist_ok=True)
        server_root = f"ServerRoot           = {VSP_ROOT}\n" if VSP_ROOT.is_dir() else ""
        ini = INI.format(
            d=d, isql_port=self.isql_port, http_port=self.http_port, server_root=server_root,
            **PROFILES[self.profile],
        )
        (d / "virtuoso.ini").write_text(ini)
        self._log = open(d / "virtuoso.out", "wb")  # closed in stop()
        self.process = subprocess.Popen(
            [binary, "+foreground", "+configfile", str(d / "virtuoso.ini")],
            cwd=d,
            stdout=self._log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # our own process group: a Ctrl-C in pytest does not hit it
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                code = self.process.returncode
                raise RuntimeError(f"virtuoso-t exited with {code}: {self.log()}")
            if self.ready():
                return
            time.sleep(0.3)
        self.stop()
        raise RuntimeError(f"Virtuoso did not answer on {self.sparql_url} in {timeout} s")

    def ready(self) -> bool:
        try:
            url = f"{self.sparql_url}?query=ASK%7B%7D"
            with urllib.request.urlopen(url, timeout=2) as resp:
                return resp.status == 200
        except (urllib.error.URLError, OSError):
            return False

    def log(self) -> str:
        out = self.directory / "virtuoso.out"
        return out.read_text(errors="replace")[-2000:] if out.exists() else ""

    def stop(self, timeout: float = 20.0) -> None:
        """TERM by PID, wait; KILL if it lingers."""
        proc, self.process = self.process, None
        if proc is not None and proc.poll() is None:
            os.kill(proc.pid, signal.SIGTERM)
            try:
                proc.wait(timeout)
            except subprocess.TimeoutExpired:
                os.kill(proc.pid, signal.SIGKILL)
                proc.wait(10)
        if self._log is not None:
            self._log.close()  # type: ignore[attr-defined]
            self._log = None


def start_virtuoso(directory: Path, profile: str = "tests") -> Virtuoso:
    http_port = free_port()
    isql_port = free_port()
    while isql_port == http_port:
        isql_port = free_port()
    server = Virtuoso(Path(directory), http_port=http_port, isql_port=isql_port, profile=profile)
    server.start()
    return server


# One server per test process, however many modules declare the fixture.
_shared: Virtuoso | None = None
_users = 0


def acquire(directory: Path) -> Virtuoso:
    global _shared, _users
    if _shared is None:
        _shared = start_virtuoso(directory)
    _users += 1
    return _shared


def release() -> None:
    global _shared, _users
    _users -= 1
    if _users <= 0 and _shared is not None:
        _shared.stop()
        _shared, _users = None, 0
