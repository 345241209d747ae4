"""Flask CLI commands: `flask --app wsgi <command>`."""

from __future__ import annotations

from pathlib import Path

import click
from flask import Flask, current_app
from flask.cli import with_appcontext

from contest import db
from contest.errors import ValidationError
from contest.migrate import upgrade_to_head
from contest.models import Role
from contest.services import demo
from contest.services import units as unit_service
from contest.services import users as user_service


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
        raise click.ClickException(f"Không nhập được: {len(result.issues)} lỗi; không có thay đổi nào được ghi.")
    db.session.commit()
    click.echo(f"Đã nhập {result.rows} đơn vị: {result.created} mới, {result.updated} cập nhật.")


@click.command("demo-data")
@with_appcontext
def demo_data_command() -> None:
    """Load a demo province with its units and one account of every role (idempotent)."""
    summary = demo.load_demo_data(db.session)
    db.session.commit()
    click.echo(summary)


def init_app(app: Flask) -> None:
    for command in (init_db_command, create_user_command, import_units_command, demo_data_command):
        app.cli.add_command(command)
