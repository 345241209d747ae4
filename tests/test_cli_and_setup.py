"""CLI commands, configuration, health check and demo data."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from contest import create_app
from contest.config import ConfigurationError
from contest.models import Question, QuestionBank, Role, Unit, User
from contest.services.demo import DEMO_ACCOUNTS, DEMO_PASSWORD
from question_bank.sample import SAMPLE_BANK_NAME
from tests.helpers import xlsx_bytes


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


def test_init_db_is_idempotent(runner):
    result = runner.invoke(args=["init-db"])
    assert result.exit_code == 0, result.output
    assert "phiên bản mới nhất" in result.output


def test_create_user_with_a_unit(runner, db_session, make_unit):
    make_unit("AH-SNV")
    db_session.commit()
    result = runner.invoke(
        args=["create-user", "--role", "organizer", "--phone", "0912345678", "--password", "Cay-bang-xanh-7", "--name", "Trần Bình", "--unit", "ah-snv"]
    )
    assert result.exit_code == 0, result.output
    user = db_session.scalar(select(User).where(User.phone == "0912345678"))
    assert (user.role, user.unit.code, user.full_name) == ("organizer", "AH-SNV", "Trần Bình")


@pytest.mark.parametrize(
    "args, message",
    [
        (["--unit", "KHONGCO"], "Không tìm thấy đơn vị có mã “KHONGCO”."),
        (["--phone", "12345"], "Số điện thoại “12345” không hợp lệ."),
        (["--password", "short"], "Mật khẩu phải có ít nhất 8 ký tự."),
    ],
)
def test_create_user_reports_errors(runner, db_session, args, message):
    base = {"--role": "admin", "--phone": "0912345678", "--password": "Abc12345", "--name": "A"}
    for flag, value in zip(args[::2], args[1::2]):
        base[flag] = value
    result = runner.invoke(args=["create-user", *[x for pair in base.items() for x in pair]])
    assert result.exit_code != 0
    assert message in result.output
    assert db_session.scalar(select(func.count()).select_from(User)) == 0


def test_import_units_command(runner, db_session, tmp_path):
    header = ["Mã đơn vị", "Tên đơn vị", "Mã đơn vị cấp trên", "Loại", "Số CBCCVC"]
    good = tmp_path / "donvi.xlsx"
    good.write_bytes(xlsx_bytes([header, ["T01", "Tỉnh", "", "Tỉnh", 0], ["T01-A", "Sở A", "T01", "Sở", 3]]))
    result = runner.invoke(args=["import-units", str(good)])
    assert result.exit_code == 0, result.output
    assert "2 mới" in result.output
    bad = tmp_path / "loi.xlsx"
    bad.write_bytes(xlsx_bytes([header, ["T01-B", "Sở B", "KHONGCO", "Sở", 3]]))
    result = runner.invoke(args=["import-units", str(bad)])
    assert result.exit_code == 1
    assert "loi.xlsx, trang tính “Sheet1”, dòng 2, cột C (Mã đơn vị cấp trên)" in result.output
    assert db_session.scalar(select(func.count()).select_from(Unit)) == 2


def test_demo_data_builds_a_realistic_province_once(app, runner, db_session, client):
    from tests.blueprints.test_security import database_fingerprint

    assert runner.invoke(args=["demo-data"]).exit_code == 0
    first = database_fingerprint(app)
    assert runner.invoke(args=["demo-data"]).exit_code == 0
    second = database_fingerprint(app)
    # Run twice, it creates nothing new: the same number of rows in every table.
    assert {table: count for table, (count, _) in second.items()} == {table: count for table, (count, _) in first.items()}
    kinds = dict(db_session.execute(select(Unit.kind, func.count()).group_by(Unit.kind)).all())
    assert kinds["department"] + kinds["district"] >= 20
    assert kinds["office"] + kinds["commune"] >= 100
    assert db_session.scalar(select(func.sum(Unit.headcount))) > 1000
    sample = db_session.scalar(select(QuestionBank).where(QuestionBank.name == SAMPLE_BANK_NAME))
    assert db_session.scalar(select(func.count()).select_from(Question).where(Question.bank_id == sample.id)) >= 80
    roles = set(db_session.scalars(select(User.role)))
    assert roles == {r.value for r in Role}
    for account in DEMO_ACCOUNTS:
        response = client.post("/dang-nhap", data={"identifier": account.phone, "password": DEMO_PASSWORD})
        assert response.status_code == 302
        client.post("/dang-xuat")


def test_healthz_reports_the_database(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json()["database"] == "ok"


def test_healthz_reports_an_unreachable_database(tmp_path):
    app = create_app({"DATABASE_URL": "postgresql+psycopg://nobody@127.0.0.1:1/none", "SECRET_KEY": "x"}, instance_path=tmp_path)
    response = app.test_client().get("/healthz")
    assert response.status_code == 503
    assert response.get_json()["database"] == "unavailable"


def test_production_refuses_to_start_without_secret_key(monkeypatch, tmp_path):
    monkeypatch.delenv("SECRET_KEY", raising=False)
    monkeypatch.setenv("CONTEST_ENV", "production")
    with pytest.raises(ConfigurationError):
        create_app({"DATABASE_URL": "sqlite://"}, instance_path=tmp_path)


def test_development_secret_key_is_generated_once_and_kept(monkeypatch, tmp_path):
    monkeypatch.delenv("SECRET_KEY", raising=False)
    monkeypatch.delenv("CONTEST_ENV", raising=False)
    first = create_app({"DATABASE_URL": "sqlite://"}, instance_path=tmp_path).config["SECRET_KEY"]
    second = create_app({"DATABASE_URL": "sqlite://"}, instance_path=tmp_path).config["SECRET_KEY"]
    assert first == second and len(first) == 64
    assert (tmp_path / "secret_key").read_text() == first


def test_database_url_defaults_to_sqlite_in_instance(monkeypatch, tmp_path):
    monkeypatch.delenv("DATABASE_URL", raising=False)
    app = create_app({"SECRET_KEY": "x"}, instance_path=tmp_path)
    assert app.config["DATABASE_URL"] == f"sqlite:///{tmp_path / 'contest.sqlite3'}"


def test_pages_are_vietnamese_and_assets_are_local(client):
    page = client.get("/").get_data(as_text=True)
    assert '<html lang="vi">' in page
    # Nothing is loaded from another site (the absolute addresses of the Open Graph tags are this site's, for sharing).
    assert not re.search(r'(?:src|href)="(?:https?:)?//', page)
    with client.get("/static/vendor/bootstrap/bootstrap.min.css") as response:
        assert response.status_code == 200


def test_import_questions_command(runner, db_session, tmp_path):
    from tests.helpers import QUESTION_HEADER, question_row

    good = tmp_path / "cauhoi.xlsx"
    good.write_bytes(xlsx_bytes([QUESTION_HEADER, question_row(1), question_row(2, topic="Chính quyền số")]))
    result = runner.invoke(args=["import-questions", str(good), "--bank", "Ngân hàng thử"])
    assert result.exit_code == 0, result.output
    assert "cauhoi.xlsx: 2 thay đổi (2 câu mới, 0 câu thay đổi, 0 câu không đổi)." in result.output
    again = runner.invoke(args=["import-questions", str(good), "--bank", "Ngân hàng thử"])
    assert again.exit_code == 0, again.output
    assert "0 thay đổi (0 câu mới, 0 câu thay đổi, 2 câu không đổi)." in again.output and "không có gì để ghi" in again.output
    bad = tmp_path / "loi.xlsx"
    bad.write_bytes(xlsx_bytes([QUESTION_HEADER, question_row(3), question_row(4, answer="")]))
    result = runner.invoke(args=["import-questions", str(bad), "--bank", "Ngân hàng thử"])
    assert result.exit_code == 1
    assert "loi.xlsx, trang tính “Sheet1”, dòng 3, cột M (Đáp án): Thiếu đáp án." in result.output
    assert db_session.scalar(select(func.count()).select_from(Question)) == 2
