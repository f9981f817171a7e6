"""Kernel replies read as soon as they arrive, when a notebook with widgets is run (papermill, nbclient).

jupyter_client's asyncio channel waits for a message with one zmq poll over the whole timeout. A cell
that shows ipywidgets (the explorer's Output widget) makes the client read the kernel's sockets from
more than one coroutine, and that poll can miss the reply's wake-up: the run then goes on only at the
cell timeout, with the cell's outputs complete (seen here: a cell of 1 s reported after 60 s in the
site build and after 300 s in a test, on a busy machine; jupyter/nbclient issue 312).
:func:`polling_in_slices` makes each such wait a series of polls of :data:`SLICE` seconds, so a missed
wake-up costs at most one slice; a message that does not come still times out when it should.
"""

from __future__ import annotations

import time
from contextlib import contextmanager
from queue import Empty
from typing import Iterator

#: seconds of one poll
SLICE = 0.25


@contextmanager
def polling_in_slices() -> Iterator[None]:
    """Within the block, every asyncio kernel channel polls in slices of :data:`SLICE` seconds."""
    from jupyter_client.channels import AsyncZMQSocketChannel

    original = AsyncZMQSocketChannel.get_msg

    async def get_msg(self, timeout: float | None = None) -> dict:
        deadline = None if timeout is None else time.monotonic() + timeout
        while True:
            left = SLICE if deadline is None else max(0.0, min(SLICE, deadline - time.monotonic()))
            try:
                return await original(self, timeout=left)
            except Empty:
                if deadline is not None and time.monotonic() >= deadline:
                    raise

    AsyncZMQSocketChannel.get_msg = get_msg
    try:
        yield
    finally:
        AsyncZMQSocketChannel.get_msg = original
