"""analysis.kernel_poll: a kernel reply whose wake-up the poll misses is still read within one slice."""

from __future__ import annotations

import asyncio
import time
from queue import Empty

import pytest
from jupyter_client.channels import AsyncZMQSocketChannel

from analysis.kernel_poll import SLICE, polling_in_slices


def test_a_reply_that_the_long_poll_misses_is_read_within_a_slice(monkeypatch):
    async def missed_wakeup(self, timeout=None):
        """A reply is there, but a poll over more than a second sees it only when its timeout ends."""
        if timeout is None or timeout > 1.0:
            await asyncio.sleep(3.0 if timeout is None else min(timeout, 3.0))
        return {"msg_type": "execute_reply"}

    monkeypatch.setattr(AsyncZMQSocketChannel, "get_msg", missed_wakeup)
    channel = object.__new__(AsyncZMQSocketChannel)
    start = time.monotonic()
    assert asyncio.run(channel.get_msg(timeout=300))["msg_type"] == "execute_reply"  # unpatched: 3 s
    assert time.monotonic() - start > 2.5
    with polling_in_slices():
        start = time.monotonic()
        assert asyncio.run(channel.get_msg(timeout=300))["msg_type"] == "execute_reply"
        assert time.monotonic() - start < 2 * SLICE + 0.5
    assert AsyncZMQSocketChannel.get_msg is missed_wakeup  # put back after the block


def test_a_reply_that_never_comes_still_times_out(monkeypatch):
    calls = []

    async def nothing(self, timeout=None):
        calls.append(timeout)
        await asyncio.sleep(timeout)
        raise Empty

    monkeypatch.setattr(AsyncZMQSocketChannel, "get_msg", nothing)
    channel = object.__new__(AsyncZMQSocketChannel)
    with polling_in_slices():
        start = time.monotonic()
        with pytest.raises(Empty):
            asyncio.run(channel.get_msg(timeout=1.0))
        assert 1.0 <= time.monotonic() - start < 1.0 + 2 * SLICE
    assert len(calls) >= 1.0 / SLICE and max(calls) <= SLICE
