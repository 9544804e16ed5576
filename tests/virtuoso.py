"""Start and stop a private Virtuoso 7 for tests (adapted from shared/notes/virtuoso-start.sh).

A plain `virtuoso-t +foreground` process bound to 127.0.0.1 on free ports, with its own
virtuoso.ini (tests/virtuoso-full.ini, the configuration shipped for the full graph, with the
ports and a profile's overrides) and database in a temporary folder; stopped by PID. A fresh
database has dba/dba.
"""

from __future__ import annotations

import os
import random
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
# The configuration shipped for the full graph (its comments say why each value): the one
# source of the settings; each profile below changes only what it names.
SHIPPED_INI = Path(__file__).with_name("virtuoso-full.ini")

# Sizing per use, as overrides of SHIPPED_INI ([section] key -> value):
# - "full": the full graph loaded by `kg load` (3.34M quads in named graphs + the union graph),
#   exactly the shipped file.
# - "tests": the seed graph (10k triples): 85 MB of buffers are plenty; a shorter time limit.
PROFILES: dict[str, dict[tuple[str, str], str]] = {
    "tests": {("Parameters", "NumberOfBuffers"): "10000",
              ("Parameters", "MaxDirtyBuffers"): "6000",
              ("Parameters", "MaxQueryMem"): "256M",
              ("SPARQL", "MaxQueryExecutionTime"): "60"},
    "full": {},
}


def render_ini(text: str, settings: dict[tuple[str, str], str]) -> str:
    """`text` (a virtuoso.ini) with the value of each ([section], key) replaced; a key the file
    does not have is an error, so a renamed setting cannot be dropped silently."""
    lines, section, seen = [], "", set()
    for line in text.splitlines():
        stripped = line.strip()
        if stripped.startswith("[") and stripped.endswith("]"):
            section = stripped[1:-1]
        elif "=" in line and not stripped.startswith(";"):
            key = line.split("=", 1)[0].strip()
            if (section, key) in settings:
                seen.add((section, key))
                line = f"{key} = {settings[section, key]}"
        lines.append(line)
    missing = set(settings) - seen
    if missing:
        raise ValueError(f"{sorted(missing)} not in the Virtuoso configuration")
    return "\n".join(lines) + "\n"


def virtuoso_binary() -> str | None:
    return shutil.which("virtuoso-t")


def free_port() -> int:
    # Bind port 0 and give it back: the kernel picks one nobody is listening on.
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _ephemeral_range() -> tuple[int, int]:
    try:
        low, high = Path("/proc/sys/net/ipv4/ip_local_port_range").read_text().split()
        return int(low), int(high)
    except (OSError, ValueError):
        return 32768, 60999  # Linux's default


def free_server_port() -> int:
    """A free port outside the kernel's ephemeral range, for a server that starts slowly.

    Regression: Virtuoso was given a port from `free_port` and took seconds to bind it; in
    that time a `kg serve` of another test worker, bound to port 0, was handed the same port,
    answered the readiness probe (ASK {}) and received `kg load`'s requests (65 errors in one
    run). The kernel hands port-0 binds ports from the ephemeral range only."""
    low, high = _ephemeral_range()
    candidates = [p for p in range(10_000, 65_000) if not low <= p <= high]
    for port in random.sample(candidates, 200):
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
            try:
                s.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise RuntimeError("no free port outside the ephemeral range")


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
        settings = {("Parameters", "ServerPort"): f"127.0.0.1:{self.isql_port}",
                    ("HTTPServer", "ServerPort"): f"127.0.0.1:{self.http_port}",
                    **PROFILES[self.profile]}
        text = SHIPPED_INI.read_text(encoding="utf-8")
        if not VSP_ROOT.is_dir():  # not Debian's layout: no server root for the VSP pages
            text = "\n".join(x for x in text.splitlines() if not x.startswith("ServerRoot"))
        (d / "virtuoso.ini").write_text(render_ini(text, settings))
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
                # Virtuoso itself, not another server on its port
                return resp.status == 200 and "virtuoso" in resp.headers.get("Server", "").lower()
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
    http_port = free_server_port()
    isql_port = free_server_port()
    while isql_port == http_port:
        isql_port = free_server_port()
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
