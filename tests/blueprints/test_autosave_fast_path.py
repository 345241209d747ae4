"""The autosave's fast path (contest/participant/autosave.py): on PostgreSQL it answers the saves that succeed, with
the view's exact response; every other autosave reaches the Flask app, whose view or CSRF check answers it."""

from __future__ import annotations

import contextlib
import json
import re
from datetime import timedelta

import pytest
from itsdangerous import URLSafeTimedSerializer
from sqlalchemy import select

from contest.models import Answer, Attempt, Role, UnitKind
from tests.conftest import TEST_PASSWORD


@pytest.fixture
def contest(make_contest, make_bank, make_unit):
    unit = make_unit("P", kind=UnitKind.province, name="UBND tỉnh Thử")
    return make_contest(unit=unit, bank=make_bank(owner=unit, per_topic=3), per_topic=3,
                        prediction_question="Bao nhiêu người tham gia?", prediction_resolver="participants")


@pytest.fixture
def flask_requests(app):
    """The autosave requests that went on to the Flask app (a list of their paths)."""
    seen: list[str] = []
    inner = app.wsgi_app.wsgi_app

    def counting(environ, start_response):
        if "/tra-loi" in environ["PATH_INFO"]:
            seen.append(environ["PATH_INFO"])
        return inner(environ, start_response)

    app.wsgi_app.wsgi_app = counting
    return seen


@pytest.fixture
def started(client, db_session, clock, contest, login_as, make_unit, make_user):
    """(attempt id, its first single-choice question's id, the attempt page's CSRF token); CSRF checked from here on."""
    make_user(Role.participant)  # so that the participant's id is not the first one
    login_as(Role.participant, unit=make_unit("P-X", parent=contest.owner_unit))
    response = client.post(f"/cuoc-thi/{contest.id}/vong/{contest.rounds[0].id}/bat-dau")
    attempt_id = int(re.search(r"/bai-thi/(\d+)", response.headers["Location"]).group(1))
    token = re.search(r'data-csrf="([^"]+)"', client.get(f"/bai-thi/{attempt_id}").get_data(as_text=True)).group(1)
    client.application.config["WTF_CSRF_ENABLED"] = True
    question = next(q for q in db_session.get(Attempt, attempt_id).questions if q.kind == "single")
    return attempt_id, question.id, token


def _stored(db_session, attempt_id: int, question_id: int) -> str | None:
    db_session.expire_all()
    return db_session.scalar(select(Answer.selected).where(Answer.attempt_id == attempt_id,
                                                           Answer.attempt_question_id == question_id))


def _postgresql(app) -> bool:
    return app.extensions["db_engine"].dialect.name == "postgresql"


@contextlib.contextmanager
def _view_only(app):
    """Requests answered by the Flask app alone, the fast path taken out, for comparison."""
    middleware, app.wsgi_app = app.wsgi_app, app.wsgi_app.wsgi_app
    try:
        yield
    finally:
        app.wsgi_app = middleware


def test_a_save_that_succeeds_is_answered_before_flask_with_the_views_response(app, client, db_session, clock, started,
                                                                                 flask_requests):
    attempt_id, question_id, token = started
    clock.advance(minutes=5)
    url, headers = f"/api/bai-thi/{attempt_id}/tra-loi", {"X-CSRFToken": token}
    fast = client.post(url, json={"question_id": question_id, "keys": ["b"]}, headers=headers)
    assert _stored(db_session, attempt_id, question_id) == "B"
    assert flask_requests == ([] if _postgresql(app) else [url])
    with _view_only(app):
        slow = client.post(url, json={"question_id": question_id, "keys": ["b"]}, headers=headers)
    assert fast.status_code == slow.status_code == 200
    assert fast.get_data() == slow.get_data() == b'{"remaining_seconds":900,"saved":true,"status":"in_progress"}\n'
    assert sorted(fast.headers.items()) == sorted(slow.headers.items())


def test_the_fast_path_keeps_the_csrf_check(app, client, db_session, clock, started, flask_requests):
    attempt_id, question_id, token = started
    url = f"/api/bai-thi/{attempt_id}/tra-loi"
    forged = token[:-3] + ("aaa" if not token.endswith("aaa") else "bbb")
    # Signed with the app's key as Flask-WTF signs, but another session's token.
    other_token = URLSafeTimedSerializer(app.secret_key, salt="wtf-csrf-token").dumps("0" * 40)
    for headers in ({}, {"X-CSRFToken": forged}, {"X-CSRFToken": "x"}, {"X-CSRFToken": other_token}):
        refused = client.post(url, json={"question_id": question_id, "keys": ["A"]}, headers=headers)
        assert refused.status_code == 400 and "CSRF" in refused.get_json()["detail"]
    assert _stored(db_session, attempt_id, question_id) is None
    assert len(flask_requests) == 4
    # Over HTTPS Flask-WTF also wants a referrer of the same origin.
    https = {"base_url": "https://localhost", "json": {"question_id": question_id, "keys": ["A"]}}
    for referrer in (None, "https://evil.example/bai-thi", "http://localhost/bai-thi"):
        refused = client.post(url, headers={"X-CSRFToken": token, **({"Referer": referrer} if referrer else {})}, **https)
        assert refused.status_code == 400
    assert _stored(db_session, attempt_id, question_id) is None
    saved = client.post(url, headers={"X-CSRFToken": token, "Referer": f"https://localhost/bai-thi/{attempt_id}"}, **https)
    assert saved.status_code == 200 and _stored(db_session, attempt_id, question_id) == "A"
    assert len(flask_requests) == (7 if _postgresql(app) else 8)


def test_every_other_autosave_is_the_views(app, client, db_session, clock, started, flask_requests, make_user):
    attempt_id, question_id, token = started
    url, headers = f"/api/bai-thi/{attempt_id}/tra-loi", {"X-CSRFToken": token}
    answer = {"question_id": question_id, "keys": ["A"]}
    expected = [
        (client.post(url, json={"question_id": question_id, "keys": ["Z"]}, headers=headers), 422),  # not a choice
        (client.post(url, json={"question_id": question_id, "keys": ["A", "B"]}, headers=headers), 422),  # single choice
        (client.post(url, json={"question_id": "1"}, headers=headers), 400),
        (client.post(url, json={"question_id": question_id, "keys": "A"}, headers=headers), 400),
        (client.post(url, json={"question_id": question_id, "keys": ["A\u0000"]}, headers=headers), 400),  # PostgreSQL text cannot hold NUL
        (client.post(url, json=[answer], headers=headers), 400),
        (client.post(url, data=b'{"question_id": ', content_type="application/json", headers=headers), 400),
        (client.post(url, data=b'{"question_id": 1}', content_type="text/plain", headers=headers), 400),
        (client.post(url, data=b'{"question_id": 1}', content_type="application/jsonx", headers=headers), 400),
        (client.post(url + "?x=%01", json=answer, headers=headers), 400),  # a control character in the query
        (client.post(url, json={**answer, "prediction": 7}, headers=headers), 200),  # the prediction is saved, not the answer
        (client.post(f"/api/bai-thi/{attempt_id + 1000}/tra-loi", json=answer, headers=headers), 404),
        (client.post("/api/bai-thi/99999999999999999999/tra-loi", json=answer, headers=headers), 404),
        (client.post(url, json={"prediction": 7}, headers=headers), 200),
        (client.post(url, json={"position": 2}, headers=headers), 200),
    ]
    assert [response.status_code for response, _ in expected] == [status for _, status in expected]
    assert _stored(db_session, attempt_id, question_id) is None
    assert len(flask_requests) == len(expected)
    # Another participant's cookie: their attempt is not this one.
    client.application.config["WTF_CSRF_ENABLED"] = False
    client.post("/dang-xuat")
    client.post("/dang-nhap", data={"identifier": make_user(Role.participant).phone, "password": TEST_PASSWORD})
    assert client.post(url, json=answer).status_code == 404
    assert _stored(db_session, attempt_id, question_id) is None
    assert len(flask_requests) == len(expected) + 1


def test_a_tampered_or_ended_session_goes_to_the_view(app, client, db_session, clock, started, flask_requests):
    attempt_id, question_id, token = started
    url, headers = f"/api/bai-thi/{attempt_id}/tra-loi", {"X-CSRFToken": token}
    cookie = client.get_cookie("session")
    client.set_cookie("session", cookie.value[:-2] + ("xx" if not cookie.value.endswith("xx") else "yy"))
    assert client.post(url, json={"question_id": question_id, "keys": ["A"]}, headers=headers).status_code in (400, 401)
    client.set_cookie("session", cookie.value)
    with client.session_transaction() as session:
        session["_remember"] = "set"  # as the login response leaves it: Flask-Login sets the remember cookie
    assert client.post(url, json={"question_id": question_id, "keys": ["A"]}, headers=headers).status_code == 200
    assert client.get_cookie("remember_token") is not None
    assert _stored(db_session, attempt_id, question_id) == "A"
    user = db_session.get(Attempt, attempt_id).user
    user.end_sessions()
    db_session.commit()
    ended = client.post(url, json={"question_id": question_id, "keys": ["A"]}, headers=headers)
    assert ended.status_code == 401 and ended.get_json()["saved"] is False
    assert _stored(db_session, attempt_id, question_id) == "A"
    assert len(flask_requests) == 3


def test_a_save_after_the_deadline_is_refused_by_the_view_which_finishes_the_attempt(app, client, db_session, clock,
                                                                                    started, flask_requests):
    attempt_id, question_id, token = started
    clock.advance(minutes=20, seconds=app.config["ATTEMPT_GRACE_SECONDS"] + 1)
    late = client.post(f"/api/bai-thi/{attempt_id}/tra-loi", json={"question_id": question_id, "keys": ["A"]},
                       headers={"X-CSRFToken": token})
    assert late.status_code == 409 and late.get_json()["status"] == "expired"
    assert _stored(db_session, attempt_id, question_id) is None and len(flask_requests) == 1
    db_session.expire_all()
    assert db_session.get(Attempt, attempt_id).finished_at is not None
    assert clock.current - db_session.get(Attempt, attempt_id).deadline > timedelta(seconds=0)


def test_a_session_cookie_older_than_the_session_lifetime_goes_to_the_view(app, client, db_session, clock, started,
                                                                           flask_requests, monkeypatch):
    from contest.participant import autosave

    attempt_id, question_id, token = started
    url, headers = f"/api/bai-thi/{attempt_id}/tra-loi", {"X-CSRFToken": token}
    assert client.post(url, json={"question_id": question_id, "keys": ["A"]}, headers=headers).status_code == 200
    lifetime = int(app.permanent_session_lifetime.total_seconds())
    now = autosave._epoch()
    for moment in (now + lifetime + 5, now - 5):  # too old, or signed in the future: itsdangerous refuses both
        monkeypatch.setattr(autosave, "_epoch", lambda moment=moment: moment)
        client.post(url, json={"question_id": question_id, "keys": ["B"]}, headers=headers)
    assert len(flask_requests) == (2 if _postgresql(app) else 3)


def test_a_connection_that_died_in_the_pool_costs_one_save_to_the_view_and_no_answer(app, client, db_session, clock,
                                                                                    started, flask_requests):
    """The fast path's connections are not pinged before use (one round trip a save): when the database has dropped
    them (a restart, a failover), the save fails there, the view answers it on its own pinged connection, and the
    pool's older connections are dropped with the dead one, so the next save is the fast path's again."""
    if not _postgresql(app):
        pytest.skip("the fast path runs on PostgreSQL")
    attempt_id, question_id, token = started
    url, headers = f"/api/bai-thi/{attempt_id}/tra-loi", {"X-CSRFToken": token}
    assert client.post(url, json={"question_id": question_id, "keys": ["A"]}, headers=headers).status_code == 200
    assert flask_requests == []
    engine = app.extensions["db_single_statement_engine"]
    with engine.connect() as connection:
        backend = connection.exec_driver_sql("SELECT pg_backend_pid()").scalar()
    with app.extensions["db_engine"].connect() as connection:
        assert connection.exec_driver_sql(f"SELECT pg_terminate_backend({backend})").scalar()
    saved = client.post(url, json={"question_id": question_id, "keys": ["B"]}, headers=headers)
    assert saved.status_code == 200 and saved.get_json()["saved"] is True
    assert _stored(db_session, attempt_id, question_id) == "B" and flask_requests == [url]
    again = client.post(url, json={"question_id": question_id, "keys": ["C"]}, headers=headers)
    assert again.status_code == 200 and _stored(db_session, attempt_id, question_id) == "C"
    assert flask_requests == [url]


@pytest.mark.parametrize("case", ["https, port 443 in Host", "https, Host werkzeug refuses", "Content-Length +N",
                                  "MAX_CONTENT_LENGTH 0", "remember cookie refreshed", "permanent session"])
def test_the_fast_path_says_what_the_view_says_at_the_edges_of_a_request(app, client, db_session, clock, started,
                                                                         flask_requests, case):
    """Where Flask reads a request in its own way (the host, the length, the limits, the cookies it sends back),
    the fast path's answer is the view's: the same status, body and cookies, and the answer stored only then."""
    attempt_id, question_id, token = started
    url, body = f"/api/bai-thi/{attempt_id}/tra-loi", json.dumps({"question_id": question_id, "keys": ["A"]}).encode()
    request = {"data": body, "content_type": "application/json", "headers": {"X-CSRFToken": token}}
    if case.startswith("https"):
        host = "localhost:443" if "443" in case else "contest_app"
        request.update(base_url=f"https://{host}", headers={"X-CSRFToken": token, "Referer": f"https://{host}/bai-thi/{attempt_id}"})
    elif case == "Content-Length +N":
        request["environ_overrides"] = {"CONTENT_LENGTH": f"+{len(body)}"}
    elif case == "MAX_CONTENT_LENGTH 0":
        app.config["MAX_CONTENT_LENGTH"] = 0
    elif case == "remember cookie refreshed":
        app.config["REMEMBER_COOKIE_REFRESH_EACH_REQUEST"] = True
    else:
        with client.session_transaction() as session:
            session.permanent = True
    fast = client.post(url, **request)
    stored = _stored(db_session, attempt_id, question_id)
    db_session.execute(Answer.__table__.delete().where(Answer.attempt_id == attempt_id))
    db_session.commit()
    with _view_only(app):
        slow = client.post(url, **request)
    assert (fast.status_code, fast.get_data(), fast.headers.getlist("Set-Cookie")) == (
        slow.status_code, slow.get_data(), slow.headers.getlist("Set-Cookie"))
    assert _stored(db_session, attempt_id, question_id) == stored
