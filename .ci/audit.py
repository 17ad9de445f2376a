"""Dependency audit: every pin in constraints.txt against a vulnerability database, with pip-audit.

Fails (exit 1) on a known-vulnerable pin unless its advisory is listed, with the reason, in
.ci/audit-ignore.txt. pip-audit needs a vulnerability service: PyPI's JSON API or OSV. Where neither is
reachable (a sandbox without internet), it says so and exits 0 with "SKIPPED": the audit did not run, and
nothing pretends it passed.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import urllib.error
import urllib.request
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
PROBES = {
    # what pip-audit asks each service for one pinned package
    "pypi": ("GET", "https://pypi.org/pypi/requests/2.32.3/json", None),
    "osv": (
        "POST",
        "https://api.osv.dev/v1/query",
        b'{"package": {"name": "requests", "ecosystem": "PyPI"}, "version": "2.32.3"}',
    ),
}


def reachable(service: str) -> tuple[bool, str]:
    method, url, body = PROBES[service]
    request = urllib.request.Request(
        url, data=body, method=method, headers={"Content-Type": "application/json"}
    )
    try:
        with urllib.request.urlopen(request, timeout=15) as answer:
            return answer.status == 200, f"{url}: HTTP {answer.status}"
    except urllib.error.HTTPError as exc:
        return False, f"{url}: HTTP {exc.code}"
    except OSError as exc:
        return False, f"{url}: {getattr(exc, 'reason', exc)}"


def pins() -> list[str]:
    lines = (REPO / "constraints.txt").read_text().splitlines()
    return [line.strip() for line in lines if "==" in line and not line.lstrip().startswith("#")]


def ignored() -> list[str]:
    path = REPO / ".ci" / "audit-ignore.txt"
    ids = []
    for line in path.read_text().splitlines() if path.exists() else []:
        line = line.split("#", 1)[0].strip()
        if line:
            ids.append(line.split()[0])
    return ids


def main() -> int:
    tried = []
    for service in ("pypi", "osv"):
        ok, detail = reachable(service)
        tried.append(f"{service} ({detail})")
        if ok:
            break
    else:
        print(
            "dependency audit SKIPPED: no vulnerability service is reachable from this machine: "
            + "; ".join(tried)
        )
        return 0
    with tempfile.NamedTemporaryFile("w", suffix=".txt", delete=False) as handle:
        handle.write("\n".join(pins()) + "\n")
    command = [sys.executable, "-m", "pip_audit", "-r", handle.name, "--no-deps", "--disable-pip", "--strict",
               "--progress-spinner", "off", "-s", service]  # fmt: skip
    for advisory in ignored():
        command += ["--ignore-vuln", advisory]
    print(f"dependency audit of {len(pins())} pins with {service}: {' '.join(command[3:])}")
    try:
        return subprocess.call(command)
    finally:
        os.unlink(handle.name)


if __name__ == "__main__":
    sys.exit(main())
