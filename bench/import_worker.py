"""One push-list import, as a worker process would run it; prints timings and peak RSS as JSON.

    python -m bench.import_worker pushlist PATH --user hq

Runs create_job → confirm_job (with the detected mapping) → import_rows (the import
proper, to "done") inside one transaction that is rolled back at the end, stored
upload included, so the bench database is left as it was. "seconds" is the time to
"done"; the job's follow-up step (run_followups: screening turns the stored push list
into key persons, benchmarked on its own as screening_match_pushlist) runs after it
and is reported as the "followups" phase. Peak RSS is this process's VmHWM from /proc,
follow-up step included.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
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
    usage = resource.getrusage(resource.RUSAGE_SELF)
    cpu_at_start = usage.ru_utime + usage.ru_stime
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
                job = services.import_rows(job.pk)
                phases["run"] = round(time.perf_counter() - mark, 2)
                seconds = time.perf_counter() - started
                # This process's CPU so far (the rest of the wall time is the database and waiting).
                usage = resource.getrusage(resource.RUSAGE_SELF)
                phases["cpu"] = round(usage.ru_utime + usage.ru_stime - cpu_at_start, 2)
                # The follow-up step (screening's key persons from the stored push list) runs after
                # the import is done, in its own transaction; timed apart, not part of the import.
                mark = time.perf_counter()
                job = services.run_followups(job.pk)
                phases["followups"] = round(time.perf_counter() - mark, 2)
                out = {
                    "seconds": round(seconds, 3),
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
