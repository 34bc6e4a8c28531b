"""One push-list import, as a worker process would run it; prints timings and peak RSS as JSON.

    python -m bench.import_worker pushlist PATH --user hq

Runs create_job → confirm_job (with the detected mapping) → run_import inside one
transaction that is rolled back at the end, stored upload included, so the bench
database is left as it was. Peak RSS is this process's VmHWM from /proc.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path


class Rollback(Exception):
    pass


def vmhwm_kb() -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("kind")
    parser.add_argument("path", type=Path)
    parser.add_argument("--user", required=True)
    args = parser.parse_args(argv)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "fangkong.settings")
    import django

    django.setup()
    from django.db import transaction

    from fangkong.accounts.models import User
    from fangkong.core.scoping import jurisdiction_paths
    from fangkong.imports import services
    from fangkong.imports.selectors import preview
    from fangkong.places.models import Place

    user = User.objects.get(username=args.user)
    place = Place.objects.get(path=jurisdiction_paths(user)[0])
    phases: dict[str, float] = {}
    out: dict[str, object] = {}
    started = time.perf_counter()
    try:
        with transaction.atomic():
            job = services.create_job(actor=user, upload=args.path, kind=args.kind, target_place=place)
            try:
                phases["upload"] = round(time.perf_counter() - started, 2)
                shown = preview(job)
                job = services.confirm_job(
                    actor=user,
                    job=job,
                    sheet_name=shown.sheet_name,
                    header_row=shown.header_row,
                    mapping={str(k): v for k, v in shown.mapping.items()},
                )
                phases["confirm"] = round(time.perf_counter() - started - phases["upload"], 2)
                mark = time.perf_counter()
                job = services.run_import(job.pk)
                phases["run"] = round(time.perf_counter() - mark, 2)
                out = {
                    "seconds": round(time.perf_counter() - started, 3),
                    "status": job.status,
                    "accepted": job.accepted,
                    "warnings": job.warnings,
                    "rejected": job.rejected,
                    "error": job.error,
                }
            finally:
                job.file.delete(save=False)
            raise Rollback
    except Rollback:
        pass
    out["phases"] = phases
    out["vmhwm_kb"] = vmhwm_kb()
    print(json.dumps(out, ensure_ascii=False))
    return 0 if out.get("status") == "done" else 1


if __name__ == "__main__":
    sys.exit(main())
