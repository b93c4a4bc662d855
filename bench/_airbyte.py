"""Airbyte's ``source-tickettailor`` as a peer: its declarative manifest run by
airbyte-cdk against the sandbox (``url_base`` pointed there), records counted on its
stdout, nothing loaded anywhere: a lower bound of Airbyte's time.

Airbyte needs its own Python with airbyte-cdk (never this venv: its pins clash) and a
copy of the manifest (airbyte-integrations/connectors/source-tickettailor/manifest.yaml
in airbytehq/airbyte, under the licence that repository gives it; not copied here):

    python3 -m venv /path/airbyte-venv && /path/airbyte-venv/bin/pip install airbyte-cdk
    ... --airbyte-python /path/airbyte-venv/bin/python --airbyte-manifest /path/manifest.yaml

End to end into DuckDB, as a user of Airbyte would run it on a laptop: ``load`` runs the
same manifest through PyAirbyte (the ``airbyte`` package on the registry) into its DuckDB
cache. PyAirbyte creates a table's columns from the stream's declared schema; the
excerpt of the manifest we use has open schemas (``properties: {}``), so ``load`` declares
each top-level field seen on the sandbox's first page with its JSON type (nested values
become JSON columns, as with the connector's own inline schemas):

    python3 -m venv /path/pyairbyte-venv && /path/pyairbyte-venv/bin/pip install airbyte
    ... --pyairbyte-python /path/pyairbyte-venv/bin/python --airbyte-manifest /path/manifest.yaml

Used by bench_sync.py and bench_client_fetch.py.
"""

from __future__ import annotations

import json
import os
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

# Runs in Airbyte's Python (which has PyYAML as airbyte-cdk's dependency): the manifest
# goes into the config as the connector builder does, then the CDK's own entry point.
_RUN = """
import json, sys, yaml
from airbyte_cdk.cli.source_declarative_manifest import run
config = json.load(open("config.json"))
config["__injected_declarative_manifest"] = yaml.safe_load(open("manifest.yaml"))
json.dump(config, open("config.json", "w"))
run()
"""


@dataclass
class AirbyteRun:
    records: int
    seconds: float  # the whole read, from starting the process
    first: float  # seconds until the first record (the CDK's start-up and first page)
    cpu: float  # CPU seconds of the Airbyte process

    @property
    def rate(self) -> float:
        return self.records / self.seconds

    def line(self) -> str:
        text = f"{self.records:>8,} records in {self.seconds:7.1f} s = {self.rate:8,.0f} records/s"
        return text + (f" (first record after {self.first:.1f} s)" if self.first else "")


def missing(python: str | None, manifest: str | None) -> str | None:
    """Why Airbyte cannot be run, or None when it can."""
    if not python or not Path(python).exists():
        return "not run: pass --airbyte-python PATH (a Python with airbyte-cdk installed)"
    if not manifest or not Path(manifest).exists():
        return "not run: pass --airbyte-manifest PATH (source-tickettailor's manifest.yaml)"
    probe = subprocess.run([python, "-c", "import airbyte_cdk"], capture_output=True, check=False)
    if probe.returncode != 0:
        return f"not run: {python} cannot import airbyte_cdk"
    return None


def read(
    base: str,
    key: str,
    streams: tuple[str, ...],
    python: str | None,
    manifest: str | None,
    folder: Path,
) -> AirbyteRun | str:
    """A full read of ``streams`` by Airbyte: its figures, or why there are none."""
    why = missing(python, manifest)
    if why is not None:
        return why
    assert python is not None  # checked by missing()
    assert manifest is not None
    text = Path(manifest).read_text()
    (folder / "manifest.yaml").write_text(
        text.replace("https://api.tickettailor.com/v1", base + "/v1")
    )
    (folder / "config.json").write_text(json.dumps({"api_key": key}))
    (folder / "catalog.json").write_text(json.dumps(_catalog(streams)))
    command = [python, "-c", _RUN, "read", "--config", "config.json", "--catalog", "catalog.json"]
    errors = folder / "stderr.txt"  # a file: a full stderr pipe would stall the read
    started = time.perf_counter()
    with errors.open("w") as err:
        proc = subprocess.Popen(command, cwd=folder, stdout=subprocess.PIPE, stderr=err, text=True)
        assert proc.stdout is not None  # piped above
        records, first = 0, 0.0
        for line in proc.stdout:
            if line.startswith('{"type": "RECORD"') or '"type":"RECORD"' in line[:30]:
                records += 1
                first = first or time.perf_counter() - started
        _pid, status, usage = os.wait4(proc.pid, 0)  # wait(), with the child's CPU time
    seconds = time.perf_counter() - started
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0 or records == 0:
        tail = " ".join(errors.read_text().split())[-400:]
        return f"failed (exit {proc.returncode}, {records} records): {tail}"
    return AirbyteRun(records, seconds, first, usage.ru_utime + usage.ru_stime)


# Runs in PyAirbyte's Python: declare the fields of a first page, then read into DuckDB.
_LOAD = """
import base64, json, sys, time, urllib.request, yaml
import airbyte as ab
base, key, streams = sys.argv[1], sys.argv[2], sys.argv[3].split(",")
manifest = yaml.safe_load(open("manifest.yaml"))
kinds = {str: "string", int: "integer", float: "number", bool: "boolean", dict: "object",
         list: "array"}
auth = "Basic " + base64.b64encode((key + ":").encode()).decode()
for stream in streams:
    request = urllib.request.Request(base + "/v1/" + stream + "?limit=100")
    request.add_header("Authorization", auth)
    fields = manifest["schemas"][stream].setdefault("properties", {})
    for record in json.load(urllib.request.urlopen(request))["data"]:
        for name, value in record.items():
            kind = "string" if value is None else kinds[type(value)]
            if value is not None or name not in fields:
                fields[name] = {"type": ["null", kind]}
started = time.perf_counter()
source = ab.get_source("source-tickettailor", config={"api_key": key},
                       source_manifest=manifest, install_if_missing=False)
source.select_streams(streams)
result = source.read(cache=ab.DuckDBCache(db_path="airbyte.duckdb"), force_full_refresh=True)
records = sum(len(result[stream]) for stream in streams)
print(json.dumps({"records": records, "seconds": time.perf_counter() - started}))
"""


def load(
    base: str,
    key: str,
    streams: tuple[str, ...],
    python: str | None,
    manifest: str | None,
    folder: Path,
) -> AirbyteRun | str:
    """Airbyte end to end: ``streams`` read and written into a DuckDB file by PyAirbyte."""
    if not python or not Path(python).exists():
        return "not run: pass --pyairbyte-python PATH (a Python with `pip install airbyte`)"
    if not manifest or not Path(manifest).exists():
        return "not run: pass --airbyte-manifest PATH (source-tickettailor's manifest.yaml)"
    text = Path(manifest).read_text()
    (folder / "manifest.yaml").write_text(
        text.replace("https://api.tickettailor.com/v1", base + "/v1")
    )
    env = {**os.environ, "AIRBYTE_OFFLINE_MODE": "1", "DO_NOT_TRACK": "1"}
    command = [python, "-c", _LOAD, base, key, ",".join(streams)]
    started = time.perf_counter()
    with (folder / "pyairbyte.txt").open("w") as err:
        proc = subprocess.Popen(command, cwd=folder, stdout=subprocess.PIPE, stderr=err, env=env)
        out, _ = proc.communicate()
    seconds = time.perf_counter() - started  # start-up included, as for ours
    lines = out.decode(errors="replace").strip().splitlines()
    if proc.returncode != 0 or not lines or not lines[-1].startswith("{"):
        tail = " ".join((folder / "pyairbyte.txt").read_text().split())[-400:]
        return f"failed (exit {proc.returncode}): {tail}"
    records = int(json.loads(lines[-1])["records"])
    return AirbyteRun(records, seconds, 0.0, 0.0)


def _catalog(streams: tuple[str, ...]) -> dict[str, object]:
    return {
        "streams": [
            {
                "stream": {
                    "name": name,
                    "json_schema": {},
                    "supported_sync_modes": ["full_refresh"],
                },
                "sync_mode": "full_refresh",
                "destination_sync_mode": "overwrite",
            }
            for name in streams
        ]
    }
