"""A background job's page in a real browser (issue 17): a company's long bulk check, queued,
shows its progress at phone width, and the download appears without a reload once a worker has
done it -- the page's own script (static/app.js) polls, no inline script, no CSP complaint."""

from __future__ import annotations

import sqlalchemy as sa

from certify.certificates.models import Certificate
from certify.core import jobs
from certify.core.extensions import db
from tests.support import BROWSER_MARKS

pytestmark = BROWSER_MARKS


def test_the_progress_moves_to_the_download_without_a_reload(
        app, live_app, live_server, browser, award, in_app, runner, job_queue, tmp_path):
    award()
    numbers = in_app(lambda: list(db.session.scalars(sa.select(Certificate.number))))
    live_app.config.update(
        VERIFY_JOB_ROWS=2, JOBS_REDIS_URL=app.config["JOBS_REDIS_URL"],
        JOBS_QUEUE=app.config["JOBS_QUEUE"],
        JOB_RESULTS_DIR=in_app(lambda: str(jobs.results_dir())))
    listed = tmp_path / "staff.csv"
    listed.write_text("number\n" + "\n".join([*numbers, "UPME-KZ-2026-999998",
                                              "UPME-KZ-2026-999999"]) + "\n")
    page = browser.new_page(viewport={"width": 390, "height": 844})
    complaints = []
    page.on("console", lambda message: complaints.append(message.text)
            if message.type == "error" else None)
    page.goto(f"{live_server}/verify/bulk")
    page.set_input_files("input[type=file]", str(listed))
    page.click("main button[type=submit]")
    page.wait_for_url("**/verify/bulk/jobs/*")
    assert "Waiting for a free worker" in page.inner_text("main")
    assert page.locator("progress").count() == 1
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    address = page.url

    assert runner.invoke(args=["jobs", "worker", "--burst"]).exit_code == 0
    link = page.get_by_role("link", name="Download certificate-check.csv")
    link.wait_for(timeout=15_000)
    assert page.url == address
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    with page.expect_download() as download:
        link.click()
    text = download.value.path().read_text()
    assert text.splitlines()[0].startswith("Certificate number,Found,Status")
    assert len(text.splitlines()) == 4
    assert complaints == []
    page.close()
