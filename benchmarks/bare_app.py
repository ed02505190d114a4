"""Yardstick for benchmarks/verify_load.py: a bare Flask endpoint, no database or extensions."""

from flask import Flask

app = Flask(__name__)


@app.get("/ping")
def ping():
    return {"status": "ok"}
