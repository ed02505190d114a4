"""The scale benchmark (issue 17; ``make bench-scale``): at 1×, 10× and 100× a real call, the
app served by gunicorn as docs/deployment.md prescribes, on PostgreSQL with Redis, and one
markdown table of what each page, download and command costs, each figure marked against its
target.

    .venv/bin/python benchmarks/scale.py [--scales 1,10,100] \\
        [--url-template postgresql+psycopg://postgres@127.0.0.1:5432/scale{scale}] \\
        [--generate] [--table-only]

Each scale's database is filled once (``--generate``: data_scale.py's generator, 200
applications … 3,000 audit entries and 750 outbox messages per 1×; see scale_records.py) and
kept. Its figures are written to ``instance/scale/scale{N}.json``, so ``--table-only`` prints
the table again, and a scale measured later (100× takes longest to generate) joins the
others. Pages are timed one request after another (5 each, 3 when one takes over 10 s); p95
is the nearest rank, so with 5 requests the slowest. Downloads: time to the first byte and to
the last, and the staff worker's RSS growth. Commands: data_scale.py's fresh-process measure.
Last, ``/verify/<n>`` ten times a second for 20 s, each request another certificate (none
in the public cache: the worst case), then 20 s of 20 certificates again and again (cached
after their first check), from a process of its own, while two large exports and the
analytics of the largest competition run: with the two pools of docs/deployment.md (as they
are, with the staff pool and job worker at nice 10, and with the public pool at nice -5 as
well) and with one shared pool of as many workers.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import sqlalchemy as sa

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks import data_scale, scale_http, scale_table  # noqa: E402
from benchmarks.scale_records import add_records, logins  # noqa: E402
from benchmarks.verify_load import ensure_database  # noqa: E402

RESULTS = ROOT / "instance" / "scale"
COMMANDS = ["scores verify", "audit verify", "backup", "restore"]
LOAD_SECONDS = 20
NEW_PER_RUN = 200  # ten a second for LOAD_SECONDS: each request a certificate of its own
REPEATED = 20  # then these, checked again and again
CHECKED_PER_RUN = NEW_PER_RUN + REPEATED
# Pages whose figures background jobs keep ready (assessments/analytics_refresh.py): their
# first request on an empty cache is timed apart, then the jobs are left to finish.
KEPT_READY = ("analytics of the largest competition", "list: reviewer pool")
STAFF_NICE = 10  # docs/deployment.md: the staff pool's service runs with Nice=10
PUBLIC_NICE = -5  # and the public pool's with Nice=-5 (ahead of PostgreSQL's staff queries)


def facts(url: str, work: Path, scale: int) -> dict:
    """Add the staff lists' records when missing; the ids and numbers the pages need."""
    from assessments.models import Application, Competition, Decision
    from certify.certificates.models import Certificate
    from certify.core.extensions import db

    app = data_scale.make_app(url, work)
    with app.app_context():
        added = add_records(scale)
        if added:
            print(f"  added {added}")
        largest, size = db.session.execute(
            sa.select(Competition.id, sa.func.count(Application.id)).join(Application)
            .group_by(Competition.id).order_by(sa.func.count(Application.id).desc())
            .limit(1)).one()
        decided = db.session.scalar(sa.select(Decision.application_id)
                                    .order_by(Decision.application_id).limit(1))
        numbers = db.session.scalars(sa.select(Certificate.number).order_by(Certificate.id)
                                     .limit(1000)).all()
        people = logins()
        db.session.remove()
    return {"competition": largest, "competition_size": size, "application": decided,
            "numbers": list(numbers), "logins": people}


class Recorder(dict):
    """The figures' rows: each row set is printed and the whole file written again."""

    def __init__(self, figures: dict, path: Path):
        super().__init__(figures["rows"])
        self.figures, self.path = figures, path

    def __setitem__(self, name: str, row: dict) -> None:
        super().__setitem__(name, row)
        print(f"  {name}: {row}", flush=True)
        self.save()

    def save(self) -> None:
        self.figures["rows"] = dict(self)
        self.path.write_text(json.dumps(self.figures, indent=1))


def pages(known: dict) -> list[tuple[str, str, str, str]]:
    """(row, kind, who, path): every list's first page, analytics, dashboards, public pages."""
    competition, number = known["competition"], known["numbers"][0]
    rows = [
        ("list: applications", "list", "admin", "/manage/applications/"),
        ("list: certificate register", "list", "admin", "/certificates/"),
        ("list: people", "list", "admin", "/users/"),
        ("list: review queue (busiest reviewer)", "list", "reviewer", "/reviews/"),
        ("list: competitions", "list", "admin", "/manage/competitions/"),
        ("list: rubrics", "list", "admin", "/rubrics/"),
        ("list: audit log", "list", "admin", "/manage/audit"),
        ("list: outbox", "list", "admin", "/manage/outbox"),
        ("list: renewals", "list", "admin", "/certificates/renewals"),
        ("list: appeals", "list", "admin", "/manage/applications/?appeal=open"),
        ("list: reviewer pool", "list", "admin", "/reviewers/"),
        ("list: reviewer invitations", "list", "admin", "/reviewers/invitations"),
        ("list: complaints", "list", "admin", "/manage/complaints/"),
        ("list: public register", "list", "public", "/public-register"),
        ("analytics of the largest competition", "page", "admin",
         f"/manage/competitions/{competition}/analytics"),
        ("side-by-side of one application", "page", "admin",
         f"/manage/applications/{known['application']}"),
    ]
    rows += [(f"dashboard: {who}", "page", who, "/dashboard")
             for who in ("admin", "coordinator", "reviewer", "candidate")]
    rows.append(("`/verify/<n>`", "page", "public", f"/verify/{number}"))
    return rows


def exports(known: dict) -> list[tuple[str, str]]:
    competition = known["competition"]
    return [(f"export {name}", f"/manage/competitions/{competition}/export/{name}")
            for name in ("ratings.csv", "ratings.xlsx", "panel.csv", "panel.xlsx",
                         "results.csv", "results.xlsx")]


def bulk_requests(numbers: list[str]) -> list[tuple[str, str, dict]]:
    listing = "\n".join(numbers).encode()
    return [
        ("`/verify/bulk` (up to 1,000 numbers)", "/verify/bulk",
         {"files": {"file": ("numbers.csv", listing, "text/csv")}}),
        ("API bulk-verify (up to 1,000 numbers)", "/api/v1/certificates/bulk-verify",
         {"json": numbers}),
    ]


def machine_reference() -> float:
    """Seconds for a fixed piece of CPU work (ten million additions in a Python loop; best
    of 3). Machines of the same kind differ from one session to the next: the same
    ``/verify/bulk`` of 1,000 numbers took 68 ms of CPU in one session and 202 ms in the
    next, so figures measured on different machines are compared through this."""
    best = float("inf")
    for _ in range(3):
        start = time.perf_counter()
        total = 0
        for number in range(10_000_000):
            total += number
        best = min(best, time.perf_counter() - start)
    return best


def measure_scale(scale: int, url: str, sections: set[str]) -> dict:
    work = RESULTS / f"scale{scale}"
    work.mkdir(parents=True, exist_ok=True)
    known = facts(url, work, scale)
    env = scale_http.app_env(url, work)
    saved = RESULTS / f"scale{scale}.json"
    # A run of some sections keeps the others' figures; each figure is saved as it comes.
    figures = json.loads(saved.read_text()) if saved.exists() else {"rows": {}}
    figures.update(scale=scale, measured=time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
                   load=os.getloadavg(), machine_reference=machine_reference())
    rows = Recorder(figures, saved)
    if "load" in sections:
        # On a running site each credential's signature check is kept when it is signed; the
        # generated ones were signed without the served app's cache: keep them as an operator
        # would after Redis lost its data.
        start = time.perf_counter()
        subprocess.run([str(ROOT / ".venv" / "bin" / "flask"), "--app", "certify",  # noqa: S603
                        "certificates", "remember-proofs"], env=env, check=True)
        figures["remember_proofs_seconds"] = time.perf_counter() - start
    with scale_http.serve(env, split=True) as layout:
        sessions = {who: scale_http.login(layout, email)
                    for who, email in known["logins"].items()}
        sessions["public"] = scale_http.requests.Session()
        if "pages" in sections:
            for row, kind, who, path in pages(known):
                note = (f"{known['competition_size']:,} applications"
                        if "analytics" in row else "")
                settle = env["CERTIFY_JOBS_QUEUE"] if row in KEPT_READY else None
                rows[row] = {"kind": kind, "note": note, **scale_http.measure_page(
                    layout, sessions[who], path, settle=settle)}
            for row, path, body in bulk_requests(known["numbers"]):
                rows[row] = {"kind": "page", "note": f"{len(known['numbers']):,} numbers",
                             **scale_http.measure_page(layout, sessions["public"], path,
                                                       method="POST", **body)}
        if "exports" in sections:
            admin = sessions["admin"]
            for row, path in exports(known):
                if scale_http.offered_as_job(layout, admin, path):
                    rows[row] = {"kind": "job", "note": "background job",
                                 **scale_http.measure_export_job(layout, admin, path)}
                else:
                    rows[row] = {"kind": "export",
                                 **scale_http.measure_download(layout, admin, path)}
        if "load" in sections:
            _under_load(rows, "two pools", layout, known, 0)
        if sections & {"pages", "exports", "load"}:  # the pools' peak after real work only
            figures["workers_peak_mb"] = scale_http.workers_peak_mb(layout)
            rows.save()
    if "load" in sections:
        with scale_http.serve(env, split=True, staff_nice=STAFF_NICE) as niced:
            _under_load(rows, f"two pools, staff at nice {STAFF_NICE}", niced, known, 1)
        with scale_http.serve(env, split=True, staff_nice=STAFF_NICE,
                              public_nice=PUBLIC_NICE) as favoured:
            _under_load(rows, f"two pools, public at nice {PUBLIC_NICE}, staff at nice "
                        f"{STAFF_NICE}", favoured, known, 2)
        with scale_http.serve(env, split=False) as shared:
            _under_load(rows, "one shared pool", shared, known, 3)
    if "commands" in sections:
        for operation in COMMANDS:
            rows[f"`{operation}`"] = {"kind": "command",
                                      **data_scale.run_measured(url, work, operation)}
    return figures


def _under_load(rows: Recorder, layout_name: str, layout, known: dict, run: int) -> None:
    """While two large exports and the analytics page run, a company's checks: first of
    ``NEW_PER_RUN`` certificates, each another one and another ``run``'s than any before (none
    in the public cache yet, as when companies check certificates nobody checked since the
    last change: the worst case), then of ``REPEATED`` others again and again (cached after
    their first check). A row each."""
    email = known["logins"]["admin"]
    staff = [scale_http.login(layout, email) for _ in range(3)]
    competition = known["competition"]
    # Two large exports (through the job queue when they are large enough to go there, as a
    # person gets them) and the analytics page.
    paths = [f"/manage/competitions/{competition}/export/{name}"
             for name in ("ratings.xlsx", "panel.xlsx")]
    paths = [f"{path}/job" if scale_http.offered_as_job(layout, staff[0], path) else path
             for path in paths] + [f"/manage/competitions/{competition}/analytics"]
    known_numbers, start = known["numbers"], run * CHECKED_PER_RUN
    # At 1× there are fewer certificates than checks: there the "new" ones come round again.
    numbers = [known_numbers[(start + i) % len(known_numbers)] for i in range(CHECKED_PER_RUN)]
    new, repeated = scale_http.verify_under_staff_load(
        layout, staff, paths, [numbers[:NEW_PER_RUN], numbers[NEW_PER_RUN:]], LOAD_SECONDS)
    rows[f"`/verify/<n>` under staff load, {layout_name}: each a new certificate"] = {
        "kind": "load", **new}
    rows[f"`/verify/<n>` under staff load, {layout_name}: {REPEATED} certificates again"] = {
        "kind": "load", **repeated}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scales", default="1,10,100")
    parser.add_argument("--url-template",
                        default="postgresql+psycopg://postgres@127.0.0.1:5432/scale{scale}")
    parser.add_argument("--generate", action="store_true",
                        help="fill a scale's empty database first (kept afterwards)")
    parser.add_argument("--only", default="pages,exports,load,commands",
                        help="comma-separated sections: pages, exports, load, commands")
    parser.add_argument("--table-only", action="store_true",
                        help="print the table of the figures already measured")
    arguments = parser.parse_args()
    # Stopped with kill: unwind, so that the gunicorn pools it started stop too.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(1))
    scales = [int(scale) for scale in arguments.scales.split(",")]
    RESULTS.mkdir(parents=True, exist_ok=True)
    for scale in [] if arguments.table_only else scales:
        url = arguments.url_template.format(scale=scale)
        if not _has_data(url):
            if not arguments.generate:
                print(f"{scale}×: no data in {url} (run with --generate)")
                continue
            ensure_database(url)
            start = time.perf_counter()
            data_scale.generate(url, RESULTS / f"scale{scale}", scale)
            print(f"{scale}×: generated in {time.perf_counter() - start:.0f} s")
        print(f"{scale}×: measuring {url}", flush=True)
        measure_scale(scale, url, set(arguments.only.split(",")))
    measured = {}
    for scale in scales:
        saved = RESULTS / f"scale{scale}.json"
        if saved.exists():
            measured[scale] = json.loads(saved.read_text())
    print(scale_table.render(measured))


def _has_data(url: str) -> bool:
    engine = sa.create_engine(url)
    try:
        with engine.connect() as connection:
            return bool(connection.scalar(sa.text("SELECT count(*) FROM applications")))
    except sa.exc.SQLAlchemyError:
        return False
    finally:
        engine.dispose()


if __name__ == "__main__":
    main()
