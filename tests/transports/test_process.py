"""What a serving process sets for itself once it is up (`settle_process`), checked in a
process of its own: the test runner's collector and allocator stay as they are."""

from __future__ import annotations

import json
import subprocess
import sys

PROBE = """
import gc, json
from gradio_mcp.transports._process import fix_mmap_threshold, settle_process
before = gc.get_threshold()
settle_process()
print(json.dumps({
    "before": before,
    "after": gc.get_threshold(),
    "frozen": gc.get_freeze_count(),
    "glibc": fix_mmap_threshold(),
}))
"""


def test_a_serving_process_collects_less_often_and_freezes_what_start_up_made() -> None:
    answer = subprocess.run(
        [sys.executable, "-c", PROBE], capture_output=True, text=True, timeout=60, check=True
    )
    figures = json.loads(answer.stdout)
    assert figures["before"][0] == 700 and figures["after"][0] == 10_000
    assert figures["after"][1:] == figures["before"][1:]
    assert figures["frozen"] > 1_000  # the modules imported so far, out of the collector's sight
    # This machine runs glibc (as CI's does): the threshold is fixed there.
    assert figures["glibc"] is True
