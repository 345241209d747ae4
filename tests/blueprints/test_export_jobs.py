"""Exports above EXPORT_INLINE_MAX_ROWS run as background jobs: in a thread of the app server (no Redis) or on RQ
with the real Redis (a SimpleWorker in burst mode, one queue per test). Progress is visible mid-way, only the owner
(or an admin) sees a job, the download re-checks access, files expire after a day, and failures say why."""

from __future__ import annotations

import io
import threading
import time
import uuid
from datetime import timedelta

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from contest import background, db
from contest import clock as app_clock
from contest.models import ExportJob, JobStatus, Role, UnitKind
from contest.models.jobs import NEVER_STARTED, ORPHANED
from contest.reports import jobs as job_pages
from contest.services import jobs as job_service
from tests.blueprints.test_reports import world  # noqa: F401  (the fixture: a contest with three finished attempts)

REDIS_URL = "redis://127.0.0.1:6379/0"


@pytest.fixture
def app_config(app_config):
    return {**app_config, "EXPORT_INLINE_MAX_ROWS": 1, "JOB_RUNNER": "thread"}


def release() -> None:
    """End the transaction the test's long-lived app context holds (its requests share that session; in production each
    request's own context closes it), so that the job's writes are not waiting for SQLite's write lock, and forget what
    it loaded (a request's own session would start empty)."""
    db.session.rollback()
    db.session.expire_all()


def wait_for(client, job_id: int, status: str = "done", seconds: float = 20) -> dict:
    """Poll the job's JSON as the page's script does until it reaches `status`."""
    deadline = time.monotonic() + seconds
    while True:
        body = client.get(f"/bao-cao/tep-xuat/{job_id}/trang-thai").get_json()
        release()
        if body["status"] == status or time.monotonic() > deadline:
            return body
        time.sleep(0.05)


def start_results(client, world) -> int:  # noqa: F811
    response = client.get(f"/bao-cao/cuoc-thi/{world['contest'].id}/xuat/ket-qua.xlsx")
    assert response.status_code == 303, response.get_data(as_text=True)[:300]
    job_id = int(response.location.rsplit("/", 1)[1])
    assert response.location.endswith(f"/bao-cao/tep-xuat/{job_id}")
    release()
    return job_id


def assert_results_workbook(client, job_id: int, contest_id: int) -> None:
    response = client.get(f"/bao-cao/tep-xuat/{job_id}/tai-ve")
    assert response.status_code == 200 and response.mimetype.endswith("spreadsheetml.sheet")
    assert response.headers["Content-Disposition"].endswith(f"ket-qua-cuoc-thi-{contest_id}.xlsx")
    sheet = load_workbook(io.BytesIO(response.data)).active
    assert sheet["A1"].value == "KẾT QUẢ VÀ XẾP HẠNG"
    assert [row[1] for row in sheet.iter_rows(min_row=7, values_only=True)] == ["Người Ba", "=Người Một", "Người Hai"]


def test_small_exports_stay_immediate(app, client, clock, login_as, world):  # noqa: F811
    app.config["EXPORT_INLINE_MAX_ROWS"] = 3  # three ranked people: not above the threshold
    login_as(Role.organizer, unit=world["p"])
    with client.get(f"/bao-cao/cuoc-thi/{world['contest'].id}/xuat/ket-qua.xlsx") as response:
        assert response.status_code == 200 and response.mimetype.endswith("spreadsheetml.sheet")
    assert client.get("/bao-cao/tep-xuat").get_data(as_text=True).count("/tai-ve") == 0


def test_thread_mode_runs_the_export_outside_the_request(app, client, clock, login_as, world, db_session):  # noqa: F811
    login_as(Role.organizer, unit=world["p"])
    job_id = start_results(client, world)
    page = client.get(f"/bao-cao/tep-xuat/{job_id}").get_data(as_text=True)
    assert "<progress" in page and 'http-equiv="refresh"' in page  # the page refreshes itself without JavaScript
    body = wait_for(client, job_id)
    assert body["status"] == "done" and body["text"] == "Đã xuất xong 3 dòng." and body["total"] == 3
    assert body["download"] == f"/bao-cao/tep-xuat/{job_id}/tai-ve"
    assert_results_workbook(client, job_id, world["contest"].id)
    listing = client.get("/bao-cao/tep-xuat").get_data(as_text=True)
    assert "Tệp đã xuất" in listing and f"/bao-cao/tep-xuat/{job_id}/tai-ve" in listing
    done = client.get(f"/bao-cao/tep-xuat/{job_id}").get_data(as_text=True)
    assert 'http-equiv="refresh"' not in done and "Tải tệp về" in done


def test_rq_mode_with_real_redis(app, client, clock, login_as, world):  # noqa: F811
    redis = pytest.importorskip("redis").Redis.from_url(REDIS_URL)
    try:
        redis.ping()
    except Exception as error:  # noqa: BLE001
        pytest.skip(f"Redis is not running on {REDIS_URL}: {error}")
    from rq import Queue, SimpleWorker

    name = f"test-exports-{uuid.uuid4().hex}"
    app.config.update(REDIS_URL=REDIS_URL, JOB_RUNNER="rq", JOB_QUEUE=name)
    login_as(Role.organizer, unit=world["p"])
    job_id = start_results(client, world)
    queue = Queue(name, connection=redis)
    try:
        assert queue.count == 1 and wait_for(client, job_id, seconds=0)["status"] == "queued"
        with app.app_context():
            assert SimpleWorker([queue], connection=redis).work(burst=True)
        assert wait_for(client, job_id, seconds=0)["status"] == "done"
        assert_results_workbook(client, job_id, world["contest"].id)
    finally:
        queue.delete(delete_jobs=True)


def test_a_queue_that_does_not_answer_fails_the_job_at_once(app, client, clock, login_as, world):  # noqa: F811
    app.config.update(REDIS_URL="redis://127.0.0.1:1/0", JOB_RUNNER="rq", JOB_QUEUE=f"test-exports-{uuid.uuid4().hex}")
    app.extensions.pop("redis", None)
    login_as(Role.organizer, unit=world["p"])
    body = wait_for(client, start_results(client, world), seconds=0)
    assert body["status"] == "failed" and "Redis không trả lời" in body["text"]


@pytest.fixture
def paused_kind(monkeypatch):
    """An export kind that writes 1,000 rows, then waits until the test lets it finish (or fail)."""
    gate, reached = threading.Event(), threading.Event()
    outcome = {}

    def write(session, params, target, progress):
        progress(1000)
        reached.set()
        assert gate.wait(20)
        if "error" in outcome:
            raise outcome["error"]
        progress(3000)
        target.write(b"PK-fake-workbook")

    monkeypatch.setitem(job_service.KINDS, "paused", job_service.ExportKind(write, lambda session, p: 3000))
    monkeypatch.setitem(job_pages.ACCESS, "paused", lambda job: None)
    monkeypatch.setattr(background, "PROGRESS_SECONDS", 0.05)
    return gate, reached, outcome


def create_paused_job(user) -> int:
    job = job_service.create_job(db.session, user, "paused", {}, "Tệp thử", "thu.xlsx", app_clock.now())
    db.session.commit()
    return job.id


def test_progress_is_visible_mid_way(app, client, clock, login_as, paused_kind):
    gate, reached, _ = paused_kind
    user = login_as(Role.organizer)
    job_id = create_paused_job(user)
    runner = threading.Thread(target=background.run, args=(app, job_id))
    runner.start()
    assert reached.wait(10)
    body = wait_for(client, job_id, status="running")
    deadline = time.monotonic() + 10
    while body["done"] < 1000 and time.monotonic() < deadline:
        body = wait_for(client, job_id, status="running")
    assert body["status"] == "running" and body["done"] == 1000 and body["text"] == "Đã xuất 1.000/3.000 dòng"
    assert body["download"] is None and not body["finished"]
    gate.set()
    runner.join(10)
    body = wait_for(client, job_id)
    assert body["done"] == 3000 and client.get(body["download"]).data == b"PK-fake-workbook"


def test_thread_mode_does_not_hold_the_request(app, client, clock, login_as, paused_kind):
    gate, reached, _ = paused_kind
    job_id = create_paused_job(login_as(Role.organizer))
    began = time.monotonic()
    with app.test_request_context():
        background.start(job_id)  # JOB_RUNNER=thread: returns while the export waits at its gate
    assert time.monotonic() - began < 1 and reached.wait(10)
    assert wait_for(client, job_id, status="running", seconds=0)["status"] == "running"
    gate.set()
    assert wait_for(client, job_id)["status"] == "done"


@pytest.mark.parametrize("error, message", [
    (RuntimeError("boom"), job_service.FAILED),
    (job_service.NotFoundError("Cuộc thi của tệp này không còn tồn tại."), "Cuộc thi của tệp này không còn tồn tại."),
])
def test_a_failing_job_marks_itself_failed_with_a_message(app, client, clock, login_as, paused_kind, error, message):
    gate, _, outcome = paused_kind
    outcome["error"] = error
    gate.set()
    job_id = create_paused_job(login_as(Role.organizer))
    background.run(app, job_id)
    body = wait_for(client, job_id, seconds=0)
    assert body["status"] == "failed" and body["text"] == message and body["finished"] and body["download"] is None
    assert message in client.get(f"/bao-cao/tep-xuat/{job_id}").get_data(as_text=True)
    assert client.get(f"/bao-cao/tep-xuat/{job_id}/tai-ve").status_code == 302  # back to the page saying why


def test_orphaned_and_never_started_jobs_show_as_failed(app, client, clock, login_as, db_session, paused_kind):
    user = login_as(Role.organizer)
    running = create_paused_job(user)
    queued = create_paused_job(user)
    db_session.get(ExportJob, running).status = JobStatus.running.value
    db_session.get(ExportJob, running).heartbeat_at = clock()
    db_session.commit()
    assert wait_for(client, running, seconds=0)["status"] == "running"
    clock.advance(seconds=app.config["JOB_STALE_SECONDS"] + 1)
    assert (wait_for(client, running, seconds=0)["status"], wait_for(client, running, seconds=0)["text"]) == ("failed", ORPHANED)
    assert wait_for(client, queued, seconds=0)["status"] == "queued"
    clock.advance(seconds=app.config["JOB_QUEUED_SECONDS"])
    assert (wait_for(client, queued, seconds=0)["status"], wait_for(client, queued, seconds=0)["text"]) == ("failed", NEVER_STARTED)


def switch_to(client, login, user):
    client.post("/dang-xuat")
    login(user)


def test_only_the_owner_or_an_admin_sees_a_job(app, client, clock, login_as, login, make_user, world):  # noqa: F811
    owner = login_as(Role.organizer, unit=world["p"])
    job_id = start_results(client, world)
    wait_for(client, job_id)
    paths = [f"/bao-cao/tep-xuat/{job_id}", f"/bao-cao/tep-xuat/{job_id}/trang-thai", f"/bao-cao/tep-xuat/{job_id}/tai-ve"]
    switch_to(client, login, make_user(Role.organizer, unit=world["p"]))  # a colleague of the same unit
    assert [client.get(path).status_code for path in paths] == [403, 403, 403]
    assert f"/bao-cao/tep-xuat/{job_id}" not in client.get("/bao-cao/tep-xuat").get_data(as_text=True)
    switch_to(client, login, make_user(Role.admin))
    assert [client.get(path).status_code for path in paths] == [200, 200, 200]
    switch_to(client, login, owner)
    assert_results_workbook(client, job_id, world["contest"].id)


def test_the_download_checks_access_again(app, client, clock, login_as, make_unit, world, db_session):  # noqa: F811
    owner = login_as(Role.organizer, unit=world["p"])
    job_id = start_results(client, world)
    wait_for(client, job_id)
    owner.unit = make_unit("Q", kind=UnitKind.province, name="Tỉnh khác")  # moved out of the contest's unit
    db_session.commit()
    assert client.get(f"/bao-cao/tep-xuat/{job_id}").status_code == 200
    assert client.get(f"/bao-cao/tep-xuat/{job_id}/tai-ve").status_code == 403


@pytest.mark.parametrize("purge", ["command", "next job"])
def test_files_expire_after_a_day_and_are_purged(app, client, clock, login_as, world, db_session, purge):  # noqa: F811
    login_as(Role.organizer, unit=world["p"])
    job_id = start_results(client, world)
    wait_for(client, job_id)
    clock.advance(hours=23)
    assert client.get(f"/bao-cao/tep-xuat/{job_id}/tai-ve").status_code == 200
    clock.advance(hours=1, seconds=1)
    response = client.get(f"/bao-cao/tep-xuat/{job_id}/tai-ve")
    assert response.status_code == 410 and "hết hạn" in response.get_data(as_text=True)
    assert f"/bao-cao/tep-xuat/{job_id}" not in client.get("/bao-cao/tep-xuat").get_data(as_text=True)
    if purge == "command":
        result = app.test_cli_runner().invoke(args=["purge-jobs"])
        assert result.exit_code == 0 and "Đã xóa 1 tệp" in result.output
    else:
        wait_for(client, start_results(client, world))  # creating a job purges the expired ones first
    db_session.expire_all()
    left = db_session.scalars(select(ExportJob)).all()  # (SQLite may give the next job the purged one's id)
    assert [job.created_at for job in left] == ([] if purge == "command" else [clock()])


def test_the_period_report_runs_as_a_job(app, client, clock, login_as, world):  # noqa: F811
    login_as(Role.organizer, unit=world["p"])
    response = client.get("/bao-cao/dinh-ky/bao-cao.xlsx?ky=tu-chon&tu_ngay=01/11/2026&den_ngay=30/11/2026")
    assert response.status_code == 303
    job_id = int(response.location.rsplit("/", 1)[1])
    body = wait_for(client, job_id)
    assert body["status"] == "done" and body["total"] == 3  # the subtree's three units
    sheet = load_workbook(io.BytesIO(client.get(body["download"]).data)).active
    assert any(row[0] == "P-D1" for row in sheet.iter_rows(values_only=True))


def test_the_period_report_download_checks_the_unit_again(app, client, clock, login_as, make_unit, world, db_session):  # noqa: F811
    owner = login_as(Role.organizer, unit=world["p"])
    response = client.get("/bao-cao/dinh-ky/bao-cao.xlsx?ky=tu-chon&tu_ngay=01/11/2026&den_ngay=30/11/2026")
    job_id = int(response.location.rsplit("/", 1)[1])
    assert wait_for(client, job_id)["status"] == "done"
    owner.unit = make_unit("Q", kind=UnitKind.province, name="Tỉnh khác")  # moved out of the report's unit
    db_session.commit()
    assert client.get(f"/bao-cao/tep-xuat/{job_id}").status_code == 200  # still their job
    assert client.get(f"/bao-cao/tep-xuat/{job_id}/tai-ve").status_code == 403


def test_the_worker_command_needs_redis(app):
    result = app.test_cli_runner().invoke(args=["worker", "--burst"])
    assert result.exit_code != 0 and "REDIS_URL" in result.output
