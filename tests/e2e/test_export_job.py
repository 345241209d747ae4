"""An export too big to write inside the request, in a browser: the organiser's click lands on the job's page, the
progress bar moves while the rows are written ("Đã xuất 12.000/80.000 dòng"), then the download button appears and
the workbook arrives. Its own server: 80,000 finished attempts (bench/export_job.py's data), EXPORT_INLINE_MAX_ROWS
of 1,000 and jobs in the app server's threads (no Redis)."""

from __future__ import annotations

import time

import pytest

from bench.export_job import ORGANISER_PHONE, PASSWORD, seed
from tests.e2e.conftest import PageProblems, log_in, screenshot
from tests.servers import Gunicorn, app_env, flask, temporary_database

ROWS = 80_000
PHONE = (390, 844)
DESKTOP = (1280, 900)


@pytest.fixture(scope="module")
def export_server(tmp_path_factory):
    with temporary_database("contest_e2e_jobs", tmp_path_factory.mktemp("e2e-jobs")) as url:
        env = app_env(url, SECRET_KEY="e2e-secret", CONTEST_ENV="development", EXPORT_INLINE_MAX_ROWS="1000", JOB_RUNNER="thread")
        flask(env, "init-db", timeout=180)
        seed(url, ROWS)
        with Gunicorn(env, workers=2, log_path=tmp_path_factory.mktemp("e2e-jobs-log") / "gunicorn.log") as server:
            yield server.url


@pytest.mark.parametrize("size", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_the_progress_bar_moves_and_the_download_arrives(browser, export_server, axe_watch, size):
    context = browser.new_context(viewport={"width": size[0], "height": size[1]}, locale="vi-VN", base_url=export_server,
                                  accept_downloads=True)
    try:
        page = context.new_page()
        problems = PageProblems(page)
        log_in(page, ORGANISER_PHONE, PASSWORD)
        page.goto("/bao-cao/cuoc-thi/1/xuat/ket-qua.xlsx?vong=1")
        page.wait_for_url("**/bao-cao/tep-xuat/*")
        bar = page.locator("#job-progress")
        download_button = page.get_by_role("link", name="Tải tệp về")
        seen, texts, deadline = set(), set(), time.monotonic() + 120
        while not download_button.is_visible() and time.monotonic() < deadline:
            value = bar.evaluate("bar => bar.value")
            if 0 < value < ROWS:
                seen.add(value)
                texts.add(page.locator("[data-job-text]").inner_text())
                if len(seen) == 1:
                    screenshot(page, f"{'phone' if size == PHONE else 'desktop'}-export-job-running")
            page.wait_for_timeout(200)
        assert len(seen) >= 2, f"the bar never moved part-way: {sorted(seen)}"  # at least two values between 0 and the total
        # the text is read just after the bar: the job may have finished in between (a busy machine)
        assert all(t.startswith("Đã xuất ") and (t.endswith("/80.000 dòng") or t == "Đã xuất xong 80.000 dòng.") for t in texts), texts
        assert bar.evaluate("bar => [bar.value, bar.max]") == [ROWS, ROWS]
        assert page.locator("[data-job-text]").inner_text() == "Đã xuất xong 80.000 dòng."
        axe_watch.check(page)
        screenshot(page, f"{'phone' if size == PHONE else 'desktop'}-export-job-done")
        with page.expect_download() as download:
            download_button.click()
        assert download.value.suggested_filename == "ket-qua-cuoc-thi-1.xlsx"
        with open(download.value.path(), "rb") as workbook:
            assert workbook.read(2) == b"PK"
        page.goto("/bao-cao/tep-xuat")
        assert page.get_by_role("heading", name="Tệp đã xuất").is_visible()
        if size == PHONE:
            assert page.evaluate("document.documentElement.scrollWidth") <= PHONE[0]
        axe_watch.check(page)
        screenshot(page, f"{'phone' if size == PHONE else 'desktop'}-export-jobs")
        assert problems.messages == [] and axe_watch.findings == []
    finally:
        context.close()
