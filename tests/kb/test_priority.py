"""Background threads lower their own priority, and only their own."""

from __future__ import annotations

import os
import sys
import threading

import pytest

from kb.priority import BACKGROUND_NICE, lower_this_thread, nice_of_this_thread

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="per-thread nice values are Linux's")


def test_a_thread_lowers_its_own_priority_and_not_the_process():
    before = os.getpriority(os.PRIO_PROCESS, 0)
    seen: dict = {}

    def background():
        seen["returned"] = lower_this_thread()
        seen["now"] = nice_of_this_thread()

    thread = threading.Thread(target=background)
    thread.start()
    thread.join()
    assert seen["returned"] == seen["now"] == min(before + BACKGROUND_NICE, 19)
    assert nice_of_this_thread() == before and os.getpriority(os.PRIO_PROCESS, 0) == before
