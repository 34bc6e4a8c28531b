"""pip-audit over requirements.lock and requirements-dev.lock, with a verdict that cannot pass silently.

pip-audit reports "No known vulnerabilities found" even when it could not look a single package up
(e.g. the vulnerability service is unreachable from this machine). This wrapper counts what was
really audited: it fails on any known vulnerability, and says loudly when packages went unaudited.
Set AUDIT_STRICT=1 to fail in that case too (for machines that must reach the service).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def main() -> int:
    audit = Path(sys.executable).with_name("pip-audit")
    command = [
        str(audit),
        # Both locks by name: pip-audit without pip does not follow the dev lock's "-r requirements.lock".
        "--requirement",
        str(ROOT / "requirements.lock"),
        "--requirement",
        str(ROOT / "requirements-dev.lock"),
        "--no-deps",  # the lock pins every package, dependencies included
        "--disable-pip",
        "--vulnerability-service",
        os.environ.get("AUDIT_SERVICE", "pypi"),
        "--progress-spinner",
        "off",
        "--format",
        "json",
    ]
    result = subprocess.run(command, capture_output=True, text=True, timeout=600, check=False)  # noqa: S603
    try:
        report = json.loads(result.stdout)
    except ValueError:
        print(f"pip-audit did not run: {result.stderr.strip()[-2000:]}", file=sys.stderr)
        return 1
    deps = report["dependencies"]
    skipped = [d for d in deps if d.get("skip_reason")]
    audited = [d for d in deps if not d.get("skip_reason")]
    vulnerable = [d for d in audited if d.get("vulns")]
    for dep in vulnerable:
        for vuln in dep["vulns"]:
            fixes = ", ".join(vuln.get("fix_versions") or []) or "no fix yet"
            print(f"VULNERABLE {dep['name']} {dep['version']}: {vuln['id']} (fixed in {fixes})")
    print(f"pip-audit: {len(audited)} of {len(deps)} packages audited, {len(vulnerable)} with known vulnerabilities.")
    if skipped:
        print(
            f"WARNING: {len(skipped)} packages could NOT be audited; the vulnerability service "
            f"({command[command.index('--vulnerability-service') + 1]}) is probably unreachable from this machine. "
            f"First reason: {skipped[0]['skip_reason']}",
        )
        if not audited:
            print("AUDIT NOT DONE: no package could be checked, so no result is claimed.")
    if vulnerable:
        return 1
    if skipped and os.environ.get("AUDIT_STRICT") == "1":
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
