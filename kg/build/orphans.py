"""Spawned build workers end with the build: a worker polls its parent and exits once the
build process is gone. A killed build (SIGKILL, the out-of-memory killer) left its import
workers idle for minutes, reparented to init, because each worker holds the write end of its
own task queue and so never reads end-of-file. `exit_with_parent` is the pools' initializer
and the first call of every spawned side job.
"""

from __future__ import annotations

import os
import threading
import time

POLL_SECONDS = 0.5


def exit_with_parent(parent: int) -> None:
    """Start a daemon thread that ends this process when `parent` is no longer its parent."""

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(POLL_SECONDS)
        os._exit(1)  # no clean-up to run: the build that wanted the result is gone

    threading.Thread(target=watch, name="exit-with-parent", daemon=True).start()
