"""Access decorators and the one helper that loads an object or answers 404."""

from __future__ import annotations

from functools import wraps

from flask import abort
from flask_login import current_user, login_required

from contest import db
from contest.models import Role


def roles_required(*roles: Role):
    """Only logged-in users having one of `roles` may call the view (403 otherwise)."""

    def decorator(view):
        @wraps(view)
        @login_required
        def wrapped(*args, **kwargs):
            if not current_user.has_role(*roles):
                abort(403)
            return view(*args, **kwargs)

        return wrapped

    return decorator


admin_required = roles_required(Role.admin)


def get_or_404(model, object_id: int):
    obj = db.session.get(model, object_id)
    if obj is None:
        abort(404)
    return obj
