"""Small pieces shared by views of several blueprints."""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import urlencode, urlsplit

from flask import Flask, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user
from werkzeug.routing import IntegerConverter

from contest import db
from contest.errors import FieldErrors, ValidationError
from contest.services import audit as audit_service

# Ids and numbers are INTEGER columns: 32-bit on PostgreSQL, which refuses a larger parameter outright.
DB_INT_MAX = 2**31 - 1


def db_int(value: str) -> int:
    """Parse a query-string or form integer (`type=` of request.args.get, `coerce=` of a SelectField);
    ValueError outside what an INTEGER column holds, so an absurd id is "not given" rather than a database error."""
    number = int(value)
    if not -DB_INT_MAX - 1 <= number <= DB_INT_MAX:
        raise ValueError(f"{value!r} is outside the INTEGER range")
    return number


class DbIntConverter(IntegerConverter):
    """The app's `<int:...>`: a path id beyond what a database column holds matches no route (404)."""

    def __init__(self, map, fixed_digits: int = 0, min: int | None = None, max: int | None = DB_INT_MAX, signed: bool = False):
        super().__init__(map, fixed_digits=fixed_digits, min=min, max=max, signed=signed)


def page_url(number: int) -> str:
    """The current page's URL with every query parameter kept and `page` set to `number` (for pagers)."""
    args = [(key, value) for key, value in request.args.items(multi=True) if key != "page"]
    return f"{request.path}?{urlencode([*args, ('page', number)])}"


def safe_target(target: str | None, default: str) -> str:
    """`target` if it is a path of this site ("/…"), else `default`: a `back` or `next` parameter never
    sends anyone to another site ("//evil.example", "/\\evil.example", "https://evil.example", "javascript:")."""
    if (
        target
        and target.startswith("/")
        and not target.startswith("//")
        and "\\" not in target
        and not any(ord(c) < 32 or c.isspace() for c in target)
        and not urlsplit(target).netloc
    ):
        return target
    return default


def redirect_back(default: str):
    """Redirect to the form's `back` field (the page the action was started from) when it is same-site."""
    return redirect(safe_target(request.form.get("back"), default))


def absolute_url(path: str) -> str:
    """The absolute address of a path of this site (a link in e-mail, an Open Graph tag): on PUBLIC_URL when set
    (the request's Host header is the client's to choose), else on the address the current request came to."""
    base = current_app.config.get("PUBLIC_URL") or request.host_url.rstrip("/")
    return base + path


def reset_link(token: str) -> str:
    """The absolute address of a password-reset link (always on PUBLIC_URL in production: see absolute_url)."""
    return absolute_url(url_for("auth.reset_password", token=token))


def init_app(app: Flask) -> None:
    """Install the bounded `int` converter (before any route is added), the pager's URL helper and absolute_url."""
    app.url_map.converters["int"] = DbIntConverter
    app.jinja_env.globals["page_url"] = page_url
    app.jinja_env.globals["absolute_url"] = absolute_url


def audit(action: str, summary: str, **details) -> None:
    """Log what the current user just did, in the request's transaction."""
    actor = current_user if current_user.is_authenticated else None
    audit_service.record(db.session, actor, action, summary, details, request.remote_addr)


def save_or_problems(
    action: Callable[[], object],
    success: Callable[[object], str],
    audit_action: str | None = None,
    *,
    details: dict | None = None,
    form=None,
):
    """The one form-commit helper: run the service call; on success log it (as `audit_action`, with `details`),
    commit, flash `success(result)` and return (result, []); on a broken rule roll back and return (None, the
    messages). Given the `form`, problems the service names by field (FieldErrors) are shown beside their fields."""
    try:
        result = action()
    except ValidationError as error:
        db.session.rollback()
        if form is not None and isinstance(error, FieldErrors):
            show_field_problems(form, error.problems)
        return None, str(error).splitlines() or [str(error)]
    message = success(result)
    if audit_action:
        audit(audit_action, message, **(details or {}))
    db.session.commit()
    flash(message, "success")
    return result, []


def commit_or_flash(
    action: Callable[[], object], success: Callable[[], str], audit_action: str | None = None, *, details: dict | None = None
) -> bool:
    """A one-button action through the same helper: commit and flash `success()`, or flash why not; True if done."""
    _, problems = save_or_problems(action, lambda _result: success(), audit_action, details=details)
    for line in filter(None, problems):
        flash(line, "danger")
    return not problems


def _form_field(form, name: str):
    """A field by its name in the request, also one inside a FieldList of FormFields ("tiers-0-min_rate")."""
    if name in form:
        return form[name]
    head, index, rest = name.split("-", 2)
    return _form_field(form[head][int(index)].form, rest)


def show_field_problems(form, problems: dict[str, list[str]]) -> None:
    """Put the service's problems beside their fields, unless the form already says what is wrong there."""
    for name, messages in problems.items():
        field = _form_field(form, name)
        if not field.errors:
            field.errors = list(messages)


def render_form(template: str, **context):
    """A form's page: 200 when it is shown, 422 when it comes back from a POST that did not go through
    (a view that succeeds redirects before it gets here)."""
    return render_template(template, **context), 422 if request.method == "POST" else 200


def import_upload(form, run, audit_action: str, summary: Callable[[object, str], str], done_url: str, template: str):
    """The page of an all-or-nothing spreadsheet import: upload, then either commit (logged) and go to
    `done_url`, or roll back and show every located error. `run(stream, filename)` returns a result with .ok."""
    result = None
    if form.validate_on_submit():
        upload = form.file.data
        filename = upload.filename or "tep.xlsx"
        result = run(upload.stream, filename)
        if result.ok:
            message = summary(result, filename)
            audit(audit_action, message)
            db.session.commit()
            flash(message, "success")
            return redirect(done_url)
        db.session.rollback()
    return render_form(template, form=form, result=result)
