"""Flask CLI commands: `flask --app wsgi <command>`."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import click
from flask import Flask, current_app, url_for
from flask.cli import with_appcontext

from contest import clock, db
from contest.errors import ValidationError
from contest.formats import format_number
from contest.migrate import upgrade_to_head
from contest.models import Contest, Role
from contest.services import attempts as attempt_service
from contest.services import audit as audit_service
from contest.services import demo, exports, period_report, periods, recovery, statistics
from contest.services.statistics import Scope
from contest.services import questions as question_service
from contest.services.questions import FileFormat
from contest.services import units as unit_service
from contest.services import users as user_service
from contest.timeutil import format_local
from question_bank.model import Difficulty
from question_bank.planning import report_lines


@click.command("init-db")
@with_appcontext
def init_db_command() -> None:
    """Upgrade the database schema to the latest migration."""
    upgrade_to_head(current_app.config["DATABASE_URL"])
    click.echo("Cơ sở dữ liệu đã được cập nhật lên phiên bản mới nhất.")


@click.command("create-user")
@with_appcontext
@click.option("--role", type=click.Choice([r.value for r in Role]), required=True)
@click.option("--phone", required=True)
@click.option("--password", required=True)
@click.option("--name", "full_name", required=True)
@click.option("--unit", "unit_code", default=None, help="Mã đơn vị")
@click.option("--cccd", default=None)
@click.option("--email", default=None)
def create_user_command(role, phone, password, full_name, unit_code, cccd, email) -> None:
    """Create an account of any role."""
    unit = None
    if unit_code:
        unit = unit_service.get_unit_by_code(db.session, unit_code)
        if unit is None:
            raise click.ClickException(f"Không tìm thấy đơn vị có mã “{unit_code}”.")
    try:
        user = user_service.create_user(
            db.session,
            full_name=full_name,
            phone=phone,
            password=password,
            role=role,
            unit=unit,
            cccd=cccd,
            email=email,
        )
    except ValidationError as error:
        db.session.rollback()
        raise click.ClickException(str(error)) from None
    db.session.commit()
    click.echo(f"Đã tạo tài khoản #{user.id} {user.full_name} ({user.role_label}), đăng nhập bằng {user.phone}.")


@click.command("reset-password")
@with_appcontext
@click.argument("identifier")
@click.option("--temporary", is_flag=True, help="Đặt ngay một mật khẩu tạm (in ra) thay vì in liên kết")
@click.option("--base-url", default=None, help="Địa chỉ trang web cho liên kết (mặc định: PUBLIC_URL)")
def reset_password_command(identifier: str, temporary: bool, base_url: str | None) -> None:
    """Print a one-time password-reset link for the account of IDENTIFIER (phone, CCCD or e-mail), or set a
    temporary password with --temporary; either way logged in the audit log."""
    user = user_service.find_by_identifier(db.session, identifier)
    if user is None:
        raise click.ClickException(f"Không có tài khoản nào có số điện thoại, CCCD hoặc email “{identifier}”.")
    if temporary:
        password = user_service.set_temporary_password(db.session, user)
        audit_service.record(db.session, None, "user.password_reset", f"Dòng lệnh: đặt mật khẩu tạm cho {user.full_name} ({user.phone}).",
                             {"user_id": user.id})
        db.session.commit()
        click.echo(f"Mật khẩu tạm của {user.full_name} ({user.phone}): {password}")
        click.echo("Mọi phiên đăng nhập cũ của tài khoản đã kết thúc. Hãy đề nghị người dùng đổi mật khẩu sau khi đăng nhập.")
        return
    base = (base_url or current_app.config["PUBLIC_URL"] or "").rstrip("/")
    if not base:
        raise click.ClickException("Cần địa chỉ trang web cho liên kết: đặt PUBLIC_URL hoặc dùng --base-url https://….")
    hours = current_app.config["ISSUED_RESET_HOURS"]
    try:
        token, expires = recovery.issue_token(current_app.config["SECRET_KEY"], user, clock.now(), timedelta(hours=hours))
    except ValidationError as error:
        raise click.ClickException(str(error)) from None
    with current_app.test_request_context(base_url=base):
        link = base + url_for("auth.reset_password", token=token)
    audit_service.record(db.session, None, "user.reset_link_issued",
                         f"Dòng lệnh: cấp liên kết đặt lại mật khẩu cho {user.full_name} ({user.phone}).", {"user_id": user.id})
    db.session.commit()
    click.echo(f"Liên kết đặt lại mật khẩu của {user.full_name} ({user.phone}), dùng được một lần đến {format_local(expires)}:")
    click.echo(link)


@click.command("import-units")
@with_appcontext
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def import_units_command(file: Path) -> None:
    """Create or update the unit tree from an .xlsx file (all or nothing)."""
    result = unit_service.import_units(db.session, file.read_bytes(), file.name)
    if not result.ok:
        db.session.rollback()
        for issue in result.issues:
            click.echo(str(issue), err=True)
        raise click.ClickException(f"Không nhập được: {format_number(len(result.issues))} lỗi; không có thay đổi nào được ghi.")
    audit_service.record(db.session, None, "import.units", f"Dòng lệnh: nhập {format_number(result.rows)} đơn vị từ tệp {file.name}.")
    db.session.commit()
    click.echo(f"Đã nhập {format_number(result.rows)} đơn vị: {format_number(result.created)} mới, {format_number(result.updated)} cập nhật.")


@click.command("import-questions")
@with_appcontext
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--bank", "bank_name", required=True, help="Tên ngân hàng (tạo mới nếu chưa có)")
@click.option("--format", "file_format", type=click.Choice([f.value for f in FileFormat]), default=None)
@click.option("--topic", "default_topic", default="", help="Chủ đề cho tệp GIFT/Aiken không ghi chủ đề")
@click.option("--difficulty", "default_difficulty", type=click.IntRange(1, 3), default=2)
def import_questions_command(file: Path, bank_name, file_format, default_topic, default_difficulty) -> None:
    """Import questions from .xlsx, GIFT or Aiken into a bank; all or nothing."""
    bank = question_service.get_or_create_bank(db.session, bank_name, owner_unit=None)
    plan = question_service.plan_file_import(db.session, bank, question_service.Upload(
        file.read_bytes(), file.name, question_service.guess_format(file.name, file_format), default_topic,
        Difficulty(default_difficulty),
    ))
    for line in report_lines(plan):
        click.echo(line, err=bool(plan.errors))
    if plan.nothing_changes:
        db.session.rollback()
        click.echo(f"Ngân hàng “{bank.name}” đã có đúng các câu hỏi này; không có gì để ghi.")
        return
    if not plan.ok:
        db.session.rollback()
        raise click.ClickException("Không nhập được; không có thay đổi nào được ghi.")
    question_service.apply_plan(db.session, bank, plan)
    audit_service.record(db.session, None, "import.questions", f"Dòng lệnh: nhập {format_number(len(plan.to_write))} câu hỏi vào “{bank.name}” từ tệp {file.name}.")
    db.session.commit()
    click.echo(f"Đã ghi vào ngân hàng “{bank.name}”.")


@click.command("expire-attempts")
@with_appcontext
def expire_attempts_command() -> None:
    """Finalise and score every attempt whose deadline + grace has passed (run it on a timer)."""
    policy = clock.attempt_policy()
    count = attempt_service.expire_due_attempts(db.session, clock.now(), policy)
    db.session.commit()
    click.echo(f"Đã kết thúc và chấm {format_number(count)} bài thi quá hạn.")


def _scope(contest_id: int, round_number: int | None) -> Scope:
    contest = db.session.get(Contest, contest_id)
    if contest is None:
        raise click.ClickException(f"Không có cuộc thi #{contest_id}.")
    if round_number is None:
        return Scope(contest)
    round_ = next((r for r in contest.rounds if r.number == round_number), None)
    if round_ is None:
        raise click.ClickException(f"Cuộc thi #{contest_id} không có vòng {round_number}.")
    return Scope(contest, round_)


def _export_options(command):
    command = click.option("--out", "out", required=True, type=click.Path(dir_okay=False, path_type=Path), help="Tệp .xlsx sẽ ghi")(command)
    command = click.option("--round", "round_number", type=int, default=None, help="Số thứ tự vòng (bỏ trống: toàn cuộc thi)")(command)
    command = click.option("--contest", "contest_id", type=int, required=True)(command)
    return with_appcontext(command)


def _write(out: Path, write) -> None:
    policy = clock.attempt_policy()
    with out.open("wb") as target:
        write(clock.now(), policy, target)
    command = click.get_current_context().info_name
    audit_service.record(db.session, None, "export.cli", f"Dòng lệnh: {command} → {out.name}.")
    db.session.commit()
    click.echo(f"Đã ghi {out}.")


@click.command("export-results")
@_export_options
def export_results_command(contest_id, round_number, out) -> None:
    """Results and ranking of a round or the whole contest."""
    scope = _scope(contest_id, round_number)
    _write(out, lambda now, policy, target: exports.export_results(db.session, scope, now, policy, target))


@click.command("export-winners")
@_export_options
@click.option("--top", type=click.IntRange(1, 10_000), default=30)
def export_winners_command(contest_id, round_number, out, top) -> None:
    """The first N people by the ranking rule."""
    scope = _scope(contest_id, round_number)
    _write(out, lambda now, policy, target: exports.export_winners(db.session, scope, now, policy, top, target))


def _report_unit(scope: Scope, unit_code: str | None):
    unit = unit_service.get_unit_by_code(db.session, unit_code) if unit_code else scope.contest.owner_unit
    if unit is None:
        raise click.ClickException(f"Không tìm thấy đơn vị có mã “{unit_code}”.")
    return unit


@click.command("export-participation")
@_export_options
@click.option("--unit", "unit_code", default=None, help="Mã đơn vị (bỏ trống: đơn vị tổ chức)")
@click.option("--threshold", type=click.FloatRange(0, 100), default=50.0)
def export_participation_command(contest_id, round_number, out, unit_code, threshold) -> None:
    """Participation by unit, rolled up along the tree."""
    scope = _scope(contest_id, round_number)
    unit = _report_unit(scope, unit_code)

    def write(now, policy, target):
        statistics.finalize(db.session, scope, now, policy)
        exports.export_participation(db.session, scope, unit, threshold, now, target)

    _write(out, write)


@click.command("export-non-participants")
@_export_options
@click.option("--unit", "unit_code", default=None, help="Mã đơn vị (bỏ trống: đơn vị tổ chức)")
def export_non_participants_command(contest_id, round_number, out, unit_code) -> None:
    """Who in a unit's subtree has not taken part (staff lists and accounts without a finished attempt)."""
    scope = _scope(contest_id, round_number)
    unit = _report_unit(scope, unit_code)

    def write(now, policy, target):
        statistics.finalize(db.session, scope, now, policy)
        exports.export_non_participants(db.session, scope, unit, now, target)

    _write(out, write)


@click.command("export-question-stats")
@_export_options
def export_question_stats_command(contest_id, round_number, out) -> None:
    """Share correct, discrimination and choice shares per question."""
    scope = _scope(contest_id, round_number)

    def write(now, policy, target):
        statistics.finalize(db.session, scope, now, policy)
        exports.export_question_statistics(db.session, scope, now, target)

    _write(out, write)


def _iso_date(value: str, option: str):
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(f"“{value}” không phải ngày dạng YYYY-MM-DD (ví dụ 2026-12-14).", param_hint=option) from None


@click.command("export-period-report")
@with_appcontext
@click.option("--unit", "unit_code", required=True, help="Mã đơn vị: báo cáo đơn vị này và các đơn vị trực thuộc")
@click.option("--from", "start", required=True, help="Ngày đầu kỳ, YYYY-MM-DD (giờ Việt Nam, tính cả ngày này)")
@click.option("--to", "end", required=True, help="Ngày cuối kỳ, YYYY-MM-DD (tính cả ngày này)")
@click.option("--out", "out", required=True, type=click.Path(dir_okay=False, path_type=Path), help="Tệp .xlsx sẽ ghi")
@click.option("--pass-mark", type=click.IntRange(1, 100), default=None, help="Điểm nắm vững, % điểm tối đa (mặc định REPORT_PASS_MARK)")
@click.option("--target", type=click.IntRange(1, 100), default=None, help="Chỉ tiêu, % số CBCCVC (mặc định REPORT_TARGET)")
def export_period_report_command(unit_code, start, end, out, pass_mark, target) -> None:
    """The period report ("Báo cáo định kỳ") of a unit's subtree for any dates, as the web page's workbook."""
    unit = unit_service.get_unit_by_code(db.session, unit_code)
    if unit is None:
        raise click.ClickException(f"Không tìm thấy đơn vị có mã “{unit_code}”.")
    first, last = _iso_date(start, "--from"), _iso_date(end, "--to")
    if first > last:
        raise click.ClickException(f"Ngày cuối kỳ ({last:%d/%m/%Y}) phải từ ngày đầu kỳ ({first:%d/%m/%Y}) trở đi.")
    config = current_app.config
    settings = period_report.ReportSettings(
        pass_mark=float(pass_mark or config["REPORT_PASS_MARK"]), target=float(target or config["REPORT_TARGET"]))

    def write(now, policy, target_file):
        attempt_service.expire_due_attempts(db.session, now, policy)
        report = period_report.period_report(db.session, unit, periods.custom_period(first, last), settings)
        target_file.write(period_report.export_period_report(report, period_report.report_date(now), config["REPORT_PLACE"]))

    _write(out, write)


@click.command("demo-data")
@with_appcontext
def demo_data_command() -> None:
    """Load a demo province with its units and one account of every role (idempotent)."""
    summary = demo.load_demo_data(db.session, clock.now())
    db.session.commit()
    click.echo(summary)


def init_app(app: Flask) -> None:
    for command in (
        init_db_command,
        create_user_command,
        reset_password_command,
        import_units_command,
        import_questions_command,
        expire_attempts_command,
        export_results_command,
        export_winners_command,
        export_participation_command,
        export_non_participants_command,
        export_question_stats_command,
        export_period_report_command,
        demo_data_command,
    ):
        app.cli.add_command(command)
