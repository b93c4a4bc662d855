"""`tickettailor demo` (what `make demo` runs): live sales in the sandbox, a watch, and
each new order printed once, until a time limit or Ctrl-C."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

ORDER_LINE = re.compile(r"^\d\d:\d\d:\d\d  (or_\d+)  .+  \d+ × .+  [\d,]+\.\d\d [A-Z]{3}$")


def _demo(tmp: Path, *args: str) -> subprocess.Popen[str]:
    environ = {k: v for k, v in os.environ.items() if not k.startswith("TICKETTAILOR_")}
    environ.update(TICKETTAILOR_CONFIG_DIR=str(tmp / "config"), COLUMNS="200")
    command = [sys.executable, "-c", "from tickettailor.cli.main import main; main()", "demo"]
    return subprocess.Popen(
        [*command, *args],
        env=environ,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _orders(stdout: str) -> list[str]:
    return [m.group(1) for line in stdout.splitlines() if (m := ORDER_LINE.match(line))]


def test_demo_prints_new_orders_once_and_stops_by_itself(tmp_path: Path) -> None:
    proc = _demo(tmp_path, "--duration", "12", "--sales-per-minute", "300", "--every", "0.5")
    stdout, stderr = proc.communicate(timeout=120)
    assert proc.returncode == 0, stderr
    assert "Box office " in stdout
    assert "Watching for new orders" in stdout
    orders = _orders(stdout)
    assert orders, stdout
    assert len(orders) == len(set(orders)), "an order was printed twice"
    assert orders == sorted(orders, key=lambda o: int(o[3:])), "not oldest first"
    assert f"Stopped. {len(orders)} new orders delivered, each once." in stdout


def test_ctrl_c_stops_the_demo_cleanly(tmp_path: Path) -> None:
    proc = _demo(tmp_path, "--sales-per-minute", "300", "--every", "0.5")
    lines: list[str] = []
    assert proc.stdout is not None
    reader = threading.Thread(target=lambda: lines.extend(proc.stdout or []), daemon=True)
    reader.start()
    deadline = time.monotonic() + 90
    try:
        while not _orders("".join(lines)):
            assert proc.poll() is None, proc.stderr.read() if proc.stderr else ""
            assert time.monotonic() < deadline, "no order appeared"
            time.sleep(0.1)
        proc.send_signal(signal.SIGINT)
        assert proc.wait(30) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.wait()
    reader.join(10)
    stdout = "".join(lines)
    assert "Stopped." in stdout
    assert "Traceback" not in (proc.stderr.read() if proc.stderr else "")
