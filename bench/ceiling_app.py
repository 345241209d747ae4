"""The ceiling of this stack: a minimal Flask app whose endpoint does one PostgreSQL upsert.

Run by bench/surge.py under the same gunicorn settings as the real app, so
that the ratio of answer-save throughput to this one says how much of the
stack's capacity the application's own work leaves.
"""

from __future__ import annotations

import os

from flask import Flask, jsonify, request
from sqlalchemy import text

from contest.db import make_engine

app = Flask(__name__)
engine = make_engine(os.environ["DATABASE_URL"])
UPSERT = text(
    "INSERT INTO ceiling (id, value, saved_at) VALUES (:id, :value, now()) "
    "ON CONFLICT (id) DO UPDATE SET value = excluded.value, saved_at = excluded.saved_at"
)


@app.get("/healthz")
def healthz():
    return jsonify(status="ok")


@app.post("/upsert")
def upsert():
    payload = request.get_json()
    with engine.begin() as connection:
        connection.execute(UPSERT, {"id": int(payload["id"]), "value": str(payload["value"])})
    return jsonify(saved=True)
