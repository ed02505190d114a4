"""What the tests share: accounts and login, form data, the access matrix, mail, PDF and
SQL helpers, the browser marks. Fixtures live in conftest.py; test modules import helpers from
here, never from each other."""

from __future__ import annotations

import io
import json
import os
import re
import socket
import threading
import uuid
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pandas as pd
import pypdf
import pypdfium2 as pdfium
import pytest
import sqlalchemy as sa
import zxingcpp
from flask import url_for
from flask_babel import force_locale
from jsonschema import Draft201909Validator

from assessments.calibration.operations import ExemplarRow, create_exemplar, save_exemplar
from assessments.complaints.models import Complaint
from assessments.declarations import declaration_text
from assessments.models import Application, Competition, Decision, ImpartialityDeclaration
from assessments.reviewers.models import ReviewerInvitation
from assessments.scoring import CRITERION_COLUMNS, RATING_COLUMNS
from certify.certificates.cpd.models import CpdEntry, CpdEvidence
from certify.certificates.models import Certificate, RenewalRequest
from certify.core.audit import AuditEvent
from certify.core.db_types import utcnow
from certify.core.extensions import db
from certify.core.outbox import Notification
from certify.core.stored_files import check_file, store_file
from certify.users.models import Branch, Role, RoleAssignment, User
from rubrics.models import Rubric, RubricVersion
from tests.support.journeys import severe_violations

REDIS = ("127.0.0.1", 6379)
PASSWORD = "correct horse battery staple"
TEST_DATABASE_URL = os.environ.get("CERTIFY_TEST_DATABASE_URL", "")
ON_POSTGRES = TEST_DATABASE_URL.startswith("postgresql")


def redis_is_up() -> bool:
    try:
        socket.create_connection(REDIS, timeout=1).close()
    except OSError:
        return False
    return True


@dataclass(frozen=True)
class Person:
    id: int
    email: str
    password: str
    full_name: str


def login(client, person: Person, *, follow=False):
    return client.post("/login", data={"email": person.email, "password": person.password},
                       follow_redirects=follow)


SMALL_RUBRIC = {
    "format": "certify-rubric/1",
    "code": "TEST-P",
    "track": "professor",
    "title": {"en": "Test professor rubric", "ru": "Тестовая рубрика",
              "kk": "Сынақ рубрикасы"},
    "description": {"en": "For tests.", "ru": "Для тестов.", "kk": "Сынақтар үшін."},
    "version": {
        "pass_threshold": 50,
        "eligibility": [{"code": "degree", "kind": "degree", "minimum": None,
                         "text": {"en": "A doctoral degree",
                                                    "ru": "Учёная степень",
                                                    "kk": "Ғылыми дәреже"}}],
        "criteria": [
            {
                "code": code,
                "title": {"en": f"Criterion {code}", "ru": f"Критерий {code}",
                          "kk": f"Критерий {code}"},
                "weight": weight,
                "min_pass_level": gate,
                "evidence_required": gate is not None,
                "levels": [
                    {"value": value,
                     "label": {"en": f"L{value}", "ru": f"У{value}", "kk": f"Д{value}"},
                     "descriptor": {"en": f"{code} at level {value}",
                                    "ru": f"{code} на уровне {value}",
                                    "kk": f"{code} {value} деңгейде"}}
                    for value in range(5)
                ],
            }
            for code, weight, gate in (("C1", 40, 2), ("C2", 35, None), ("C3", 25, None))
        ],
    },
}


def application_form(levels, narratives, *, version, confirm=True, action="save",
                     confirm_submit=True):
    data = {"version": str(version), action: "1"}
    if action == "submit" and confirm_submit:
        data["confirm_submit"] = "y"
    if confirm:
        data["eligibility_confirmed"] = "y"
    for i, (level, narrative) in enumerate(zip(levels, narratives, strict=True)):
        if level is not None:
            data[f"answers-{i}-level"] = str(level)
        data[f"answers-{i}-narrative"] = narrative
    return data


def review_form(levels, comments, *, version, action="save", confirm_submit=True):
    data = {"version": str(version), action: "1"}
    if action == "submit" and confirm_submit:
        data["confirm_submit"] = "y"
    for i, (level, comment) in enumerate(zip(levels, comments, strict=True)):
        data[f"scores-{i}-level"] = str(level)
        data[f"scores-{i}-comment"] = comment
    return data


def texts(en, ru=None, kk=None, prefix=""):
    data = {f"{prefix}-en": en}
    if ru is not None:
        data[f"{prefix}-ru"] = ru
    if kk is not None:
        data[f"{prefix}-kk"] = kk
    return data


def criterion_form(code="A1", weight="10", levels=2, missing_kk_descriptor_at=None, **extra):
    data = {"code": code, "weight": weight, "min_pass_level": ""}
    data |= texts("Mine planning", "Планирование горных работ", "Тау-кен жұмыстарын жоспарлау",
                  prefix="title")
    for i in range(levels):
        data |= texts(f"L{i}", f"У{i}", f"Д{i}", prefix=f"levels-{i}-label")
        kk = None if missing_kk_descriptor_at == i else f"{i} деңгей"
        data |= texts(f"Level {i}", f"Уровень {i}", kk, prefix=f"levels-{i}-descriptor")
    return data | extra


def mailed_link(in_app, email: str, kind: str) -> str:
    """The path of the link in the newest message of *kind* queued for *email* (an account's
    or, for an invitation, an address's)."""

    body = in_app(lambda: db.session.scalar(
        sa.select(Notification.body).outerjoin(Notification.user)
        .where(sa.or_(User.email == email, Notification.address == email),
               Notification.kind == kind)
        .order_by(Notification.id.desc())))
    assert body is not None, f"no {kind} message for {email}"
    return re.search(r"https?://[^/\s]+(/\S+)", body).group(1)


def page_text(pdf_bytes: bytes) -> str:
    """The text of the only page, whitespace collapsed (line breaks are layout, not content)."""
    reader = pypdf.PdfReader(io.BytesIO(pdf_bytes))
    assert len(reader.pages) == 1
    return " ".join(reader.pages[0].extract_text().split())


def scan_qr(pdf_bytes: bytes, dpi: int = 170) -> list[str]:
    """Print the page at ``dpi`` and read every barcode on it."""
    pdf = pdfium.PdfDocument(pdf_bytes)
    try:
        page = pdf[0]
        bitmap = page.render(scale=dpi / 72)
        image = bitmap.to_pil()
        bitmap.close()
        page.close()
    finally:
        pdf.close()
    return [result.text for result in zxingcpp.read_barcodes(image)]


def pdf_images(pdf_bytes: bytes) -> list[tuple[int, int]]:
    """The (width, height) in pixels of every image XObject on the only page."""
    page = pypdf.PdfReader(io.BytesIO(pdf_bytes)).pages[0]
    xobjects = page["/Resources"].get("/XObject") or {}
    images = [xobjects[name].get_object() for name in xobjects]
    return sorted((int(image["/Width"]), int(image["/Height"])) for image in images
                  if image["/Subtype"] == "/Image")


def text_origins(pdf_bytes: bytes) -> list[tuple[str, float, float]]:
    """Every piece of text on the only page with where it starts, in millimetres from the
    page's top left corner."""
    page = pypdf.PdfReader(io.BytesIO(pdf_bytes)).pages[0]
    height = float(page.mediabox.height)
    found: list[tuple[str, float, float]] = []

    def visit(text, cm, tm, font, size):
        if text.strip():
            x, y = tm[4] * cm[0] + cm[4], tm[5] * cm[3] + cm[5]
            found.append((text.strip(), x * 25.4 / 72, (height - y) * 25.4 / 72))

    page.extract_text(visitor_text=visit)
    return found


def overlapping_text(pdf_bytes: bytes, tolerance: float = 0.5) -> list[tuple[str, str]]:
    """Pairs of text runs on the only page whose boxes overlap (by more than ``tolerance``
    points each way), as pdfium lays the text out."""
    pdf = pdfium.PdfDocument(pdf_bytes)
    try:
        page = pdf[0]
        text = page.get_textpage()
        rects = [text.get_rect(i) for i in range(text.count_rects())]
        pairs = [(text.get_text_bounded(*a), text.get_text_bounded(*b))
                 for i, a in enumerate(rects) for b in rects[i + 1:]
                 if min(a[2], b[2]) - max(a[0], b[0]) > tolerance
                 and min(a[3], b[3]) - max(a[1], b[1]) > tolerance]
        text.close()
        page.close()
    finally:
        pdf.close()
    return pairs


def printed_pixels(pdf_bytes: bytes, box: tuple[float, float, float, float],
                   dpi: int = 72) -> int:
    """How many pixels inside ``box`` (x, y, width, height in mm from the top left) are
    printed darker than the light background pattern."""
    pdf = pdfium.PdfDocument(pdf_bytes)
    try:
        page = pdf[0]
        bitmap = page.render(scale=dpi / 72)
        image = bitmap.to_pil().convert("L")
        bitmap.close()
        page.close()
    finally:
        pdf.close()
    mm = dpi / 25.4
    x, y, width, height = box
    crop = image.crop((round(x * mm), round(y * mm), round((x + width) * mm),
                       round((y + height) * mm)))
    return sum(count for value, count in enumerate(crop.histogram()) if value < 160)


@contextmanager
def counting_statements(app):
    """Count the SQL statements sent to the database inside the block."""
    statements: list[str] = []

    def record(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)

    with app.app_context():
        engine = db.engine
    sa.event.listen(engine, "before_cursor_execute", record)
    try:
        yield statements
    finally:
        sa.event.remove(engine, "before_cursor_execute", record)



ROLES = ("anonymous", "owner", "other_candidate", "reviewer", "unassigned_reviewer",
         "coordinator_other_branch", "coordinator", "admin",
         "candidate_coordinator", "candidate_admin", "candidate_reviewer")
# The last three are candidates who also hold a staff or reviewer role, and act on their OWN
# application (submitted, under review, with a file): for the routes of an application they
# are its candidate and nothing more (ISO/IEC 17024 §4.3); elsewhere their other role counts.
OWN_APPLICATION_ROLES = ("candidate_coordinator", "candidate_admin", "candidate_reviewer")

# Expected status per role, in the order of ROLES. 302 for anonymous means "sent to log in".
MATRIX: dict[tuple[str, str], tuple[int, ...]] = {
    ("GET", "main.index"): (200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200),
    ("GET", "main.healthz"): (200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200),
    ("GET", "main.audit_checkpoints"): (200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200),
    ("POST", "main.set_language"): (302, 302, 302, 302, 302, 302, 302, 302, 302, 302, 302),
    ("GET", "main.dashboard"): (302, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200),
    ("GET", "main.audit_log"): (302, 403, 403, 403, 403, 403, 403, 200, 403, 200, 403),
    ("GET", "main.outbox"): (302, 403, 403, 403, 403, 403, 403, 200, 403, 200, 403),
    ("GET", "auth.login"): (200, 302, 302, 302, 302, 302, 302, 302, 302, 302, 302),
    ("POST", "auth.login"): (200, 302, 302, 302, 302, 302, 302, 302, 302, 302, 302),
    ("POST", "auth.logout"): (302, 302, 302, 302, 302, 302, 302, 302, 302, 302, 302),
    ("GET", "auth.register"): (200, 302, 302, 302, 302, 302, 302, 302, 302, 302, 302),
    ("POST", "auth.register"): (200, 302, 302, 302, 302, 302, 302, 302, 302, 302, 302),
    ("GET", "auth.check_email"): (302, 302, 302, 302, 302, 302, 302, 302, 302, 302, 302),
    ("GET", "auth.confirm_email"): (400, 400, 400, 400, 400, 400, 400, 400, 400, 400, 400),
    ("GET", "auth.forgot_password"): (200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200),
    ("POST", "auth.forgot_password"): (200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200),
    ("GET", "auth.reset_password"): (400, 400, 400, 400, 400, 400, 400, 400, 400, 400, 400),
    ("POST", "auth.reset_password"): (400, 400, 400, 400, 400, 400, 400, 400, 400, 400, 400),
    ("GET", "auth.activate_account"): (400, 400, 400, 400, 400, 400, 400, 400, 400, 400, 400),
    ("POST", "auth.activate_account"): (400, 400, 400, 400, 400, 400, 400, 400, 400, 400, 400),
    ("GET", "auth.password"): (302, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200),
    ("GET", "auth.second_factor"): (302, 302, 302, 302, 302, 302, 302, 302, 302, 302, 302),
    ("POST", "auth.second_factor"): (302, 302, 302, 302, 302, 302, 302, 302, 302, 302, 302),
    ("GET", "auth.second_factor_setup"): (302, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200),
    ("POST", "auth.second_factor_setup"): (302, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200),
    ("POST", "auth.password"): (302, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200),
    ("GET", "users.index"): (302, 403, 403, 403, 403, 200, 200, 200, 200, 200, 403),
    ("GET", "users.create"): (302, 403, 403, 403, 403, 403, 403, 200, 403, 200, 403),
    ("POST", "users.create"): (302, 403, 403, 403, 403, 403, 403, 200, 403, 200, 403),
    ("POST", "users.set_enabled_view"): (302, 403, 403, 403, 403, 403, 403, 302, 403, 302, 403),
    ("GET", "certificates.verify_form"): (200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200),
    ("GET", "certificates.verify"): (200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200),
    ("GET", "certificates.register"): (302, 403, 403, 403, 403, 200, 200, 200, 200, 200, 403),
    ("POST", "certificates.verify_credential"):
        (400, 400, 400, 400, 400, 400, 400, 400, 400, 400, 400),
    ("GET", "certificates.credential"): (200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200),
    ("GET", "certificates.pdf"): (200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200),
    ("GET", "certificates.verify_bulk"): (200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200),
    ("POST", "certificates.verify_bulk"): (400, 400, 400, 400, 400, 400, 400, 400, 400, 400, 400),
    ("GET", "api.certificate"): (200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200),
    ("POST", "api.verify"): (400, 400, 400, 400, 400, 400, 400, 400, 400, 400, 400),
    ("POST", "api.bulk_verify"): (400, 400, 400, 400, 400, 400, 400, 400, 400, 400, 400),
    ("GET", "api.openapi"): (200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200),
    ("GET", "api.docs"): (200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200),
    ("GET", "certificates.issuer"): (200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200),
    ("GET", "certificates.status_list"): (200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200),
    ("GET", "certificates.did"): (200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200),
    ("GET", "certificates.achievement"): (200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200),
    ("GET", "certificates.badge"): (200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200),
    ("GET", "certificates.manage"): (302, 403, 403, 403, 403, 403, 200, 200, 200, 200, 403),
    ("POST", "certificates.act"): (302, 403, 403, 403, 403, 403, 403, 422, 403, 422, 403),
    ("POST", "certificates.correct_name"): (302, 403, 403, 403, 403, 403, 403, 422, 403, 422, 403),
    # The certificate is not any visitor's own: its holder page does not exist for them.
    ("GET", "certificates.mine"): (302, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404),
    ("POST", "certificates.privacy"): (302, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404),
    ("POST", "certificates.renew"): (302, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404),
    # A reviewer's credential (issue 19): public by its uuid; issued and revoked by admins.
    ("GET", "certificates.reviewer_credential_page"):
        (200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200),
    ("GET", "certificates.reviewer_credential_json"):
        (200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200),
    ("GET", "assessments.reviewer_credentials"):
        (302, 403, 403, 403, 403, 403, 403, 200, 403, 200, 403),
    # Nothing ticked: back to the page with the reason, nothing issued or revoked.
    ("POST", "assessments.issue_reviewer_credentials"):
        (302, 403, 403, 403, 403, 403, 403, 302, 403, 302, 403),
    ("POST", "assessments.revoke_reviewer_credential_view"):
        (302, 403, 403, 403, 403, 403, 403, 302, 403, 302, 403),
    ("GET", "certificates.renewals"): (302, 403, 403, 403, 403, 200, 200, 200, 200, 200, 403),
    # The re-assessment of a renewal: reviewers and administrators, never the holder.
    ("GET", "certificates.review_renewal"):
        (302, 403, 403, 200, 200, 403, 403, 200, 403, 200, 200),
    ("POST", "certificates.review_renewal"):
        (302, 403, 403, 422, 422, 403, 403, 422, 403, 422, 422),
    # The CPD log is a certificate holder's (none of these roles holds one); an entry and its
    # evidence are their holder's: to anyone else they do not exist. The evidence files are
    # also open to staff in scope and to those who re-assess a pending renewal.
    ("GET", "certificates.cpd_log"): (302, 403, 403, 403, 403, 403, 403, 403, 403, 403, 403),
    ("GET", "certificates.cpd_new"): (302, 403, 403, 403, 403, 403, 403, 403, 403, 403, 403),
    ("POST", "certificates.cpd_new"): (302, 403, 403, 403, 403, 403, 403, 403, 403, 403, 403),
    ("GET", "certificates.cpd_entry"): (302, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404),
    ("POST", "certificates.cpd_entry"): (302, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404),
    ("POST", "certificates.cpd_delete"): (302, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404),
    ("POST", "certificates.cpd_remove_evidence"):
        (302, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404),
    ("GET", "certificates.cpd_evidence"):
        (302, 404, 404, 200, 200, 404, 200, 200, 200, 200, 200),
    ("POST", "certificates.cpd_declare"): (302, 403, 403, 403, 403, 403, 403, 403, 403, 403, 403),
    # The CPD audit: administrators only.
    ("GET", "certificates.cpd_audits"): (302, 403, 403, 403, 403, 403, 403, 200, 403, 200, 403),
    ("GET", "certificates.cpd_audit"): (302, 403, 403, 403, 403, 403, 403, 200, 403, 200, 403),
    ("POST", "certificates.cpd_audit"): (302, 403, 403, 403, 403, 403, 403, 422, 403, 422, 403),
    ("POST", "certificates.decide_renewal"):
        (302, 403, 403, 403, 403, 403, 403, 302, 403, 302, 403),
    ("GET", "rubrics.index"): (302, 403, 403, 200, 200, 200, 200, 200, 200, 200, 200),
    ("GET", "rubrics.version"): (302, 403, 403, 200, 200, 200, 200, 200, 200, 200, 200),
    ("GET", "rubrics.export"): (302, 403, 403, 200, 200, 200, 200, 200, 200, 200, 200),
    ("GET", "rubrics.preview"): (302, 403, 403, 200, 200, 200, 200, 200, 200, 200, 200),
    ("GET", "rubrics.diff"): (302, 403, 403, 200, 200, 200, 200, 200, 200, 200, 200),
    ("GET", "rubrics.create"): (302, 403, 403, 403, 403, 403, 403, 200, 403, 200, 403),
    ("POST", "rubrics.create"): (302, 403, 403, 403, 403, 403, 403, 422, 403, 422, 403),
    ("GET", "rubrics.edit"): (302, 403, 403, 403, 403, 403, 403, 200, 403, 200, 403),
    ("POST", "rubrics.edit"): (302, 403, 403, 403, 403, 403, 403, 422, 403, 422, 403),
    ("POST", "rubrics.import_file"): (302, 403, 403, 403, 403, 403, 403, 302, 403, 302, 403),
    # The scenario's version is published and in use: editing routes lead back to it.
    ("GET", "rubrics.settings"): (302, 403, 403, 403, 403, 403, 403, 302, 403, 302, 403),
    ("POST", "rubrics.settings"): (302, 403, 403, 403, 403, 403, 403, 302, 403, 302, 403),
    ("GET", "rubrics.add_criterion_view"): (302, 403, 403, 403, 403, 403, 403, 302, 403, 302, 403),
    ("POST", "rubrics.add_criterion_view"): (302, 403, 403, 403, 403, 403, 403, 302, 403, 302, 403),
    ("GET", "rubrics.edit_criterion"): (302, 403, 403, 403, 403, 403, 403, 302, 403, 302, 403),
    ("POST", "rubrics.edit_criterion"): (302, 403, 403, 403, 403, 403, 403, 302, 403, 302, 403),
    ("POST", "rubrics.delete_criterion"): (302, 403, 403, 403, 403, 403, 403, 302, 403, 302, 403),
    ("POST", "rubrics.move"): (302, 403, 403, 403, 403, 403, 403, 302, 403, 302, 403),
    ("POST", "rubrics.add_level_view"): (302, 403, 403, 403, 403, 403, 403, 302, 403, 302, 403),
    ("POST", "rubrics.remove_level_view"): (302, 403, 403, 403, 403, 403, 403, 302, 403, 302, 403),
    ("POST", "rubrics.publish_version"): (302, 403, 403, 403, 403, 403, 403, 302, 403, 302, 403),
    ("POST", "rubrics.retire_version"): (302, 403, 403, 403, 403, 403, 403, 302, 403, 302, 403),
    ("POST", "rubrics.new_draft"): (302, 403, 403, 403, 403, 403, 403, 302, 403, 302, 403),
    ("POST", "rubrics.delete_version"): (302, 403, 403, 403, 403, 403, 403, 302, 403, 302, 403),
    ("GET", "assessments.competitions"): (200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200),
    ("GET", "assessments.competition"): (200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200),
    ("POST", "assessments.apply"): (302, 302, 302, 403, 403, 403, 403, 403, 302, 302, 302),
    ("GET", "assessments.my_applications"): (302, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200),
    ("GET", "assessments.application"): (302, 200, 404, 200, 404, 404, 200, 200, 200, 200, 200),
    ("POST", "assessments.application"): (302, 403, 404, 403, 404, 404, 403, 403, 403, 403, 403),
    ("POST", "assessments.withdraw"): (302, 302, 403, 403, 403, 403, 403, 403, 302, 302, 302),
    ("GET", "assessments.review_queue"): (302, 403, 403, 200, 200, 403, 403, 403, 403, 403, 200),
    ("GET", "assessments.review"): (302, 403, 403, 200, 403, 403, 403, 403, 403, 403, 403),
    ("POST", "assessments.review"): (302, 403, 403, 422, 403, 403, 403, 403, 403, 403, 403),
    ("GET", "assessments.manage_applications"):
        (302, 403, 403, 403, 403, 200, 200, 200, 200, 200, 403),
    ("GET", "assessments.manage_application"):
        (302, 403, 403, 403, 403, 403, 200, 200, 403, 403, 403),
    ("POST", "assessments.assign"): (302, 403, 403, 403, 403, 403, 422, 422, 403, 403, 403),
    ("POST", "assessments.decide_application"):
        (302, 403, 403, 403, 403, 403, 422, 422, 403, 403, 403),
    ("POST", "assessments.auto_assign_view"):
        (302, 403, 403, 403, 403, 403, 403, 302, 403, 302, 403),
    ("POST", "assessments.check_eligibility_view"):
        (302, 403, 403, 403, 403, 403, 302, 302, 403, 403, 403),
    # The assigned reviewer has not submitted yet: not in the discussion, nothing to revise.
    ("POST", "assessments.discuss"): (302, 403, 403, 403, 403, 403, 302, 302, 403, 403, 403),
    ("POST", "assessments.interview"): (302, 403, 403, 403, 403, 403, 422, 422, 403, 403, 403),
    ("POST", "assessments.moderate_view"): (302, 403, 403, 403, 403, 403, 302, 302, 403, 403, 403),
    ("POST", "assessments.staff_conflict"): (302, 403, 403, 403, 403, 403, 302, 302, 403, 403, 403),
    ("POST", "assessments.appeal"): (302, 302, 403, 403, 403, 403, 403, 403, 302, 302, 302),
    ("POST", "assessments.resolve_appeal_view"):
        (302, 403, 403, 403, 403, 403, 302, 302, 302, 302, 403),
    ("POST", "assessments.reopen_review_view"):
        (302, 403, 403, 302, 403, 403, 403, 403, 403, 403, 403),
    ("POST", "assessments.return_application_view"):
        (302, 403, 403, 403, 403, 403, 422, 422, 403, 403, 403),
    # Submitted: nothing can be added or removed any more, even by the candidate.
    ("POST", "assessments.add_evidence"): (302, 403, 403, 403, 403, 403, 403, 403, 403, 403, 403),
    ("POST", "assessments.delete_evidence"):
        (302, 403, 403, 403, 403, 403, 403, 403, 403, 403, 403),
    ("GET", "assessments.download_evidence"):
        (302, 200, 404, 200, 404, 404, 200, 200, 200, 200, 200),
    # Only the reviewer on the review may step aside (empty reason: back to the form).
    ("POST", "assessments.declare_conflict_view"):
        (302, 403, 403, 302, 403, 403, 403, 403, 403, 403, 403),
    ("GET", "assessments.manage_competitions"):
        (302, 403, 403, 403, 403, 200, 200, 200, 200, 200, 403),
    # Under review: staff in scope see the figures; the candidate once decided.
    ("GET", "assessments.result"): (302, 403, 403, 403, 403, 403, 200, 200, 403, 403, 403),
    ("GET", "assessments.feedback_csv"): (302, 403, 403, 403, 403, 403, 200, 200, 403, 403, 403),
    ("GET", "assessments.analytics"): (302, 403, 403, 403, 403, 200, 200, 200, 200, 200, 403),
    ("GET", "assessments.export"): (302, 403, 403, 403, 403, 200, 200, 200, 200, 200, 403),
    ("GET", "assessments.annual_report"): (302, 403, 403, 403, 403, 200, 200, 200, 200, 200, 403),
    ("GET", "assessments.annual_report_xlsx"):
        (302, 403, 403, 403, 403, 200, 200, 200, 200, 200, 403),
    ("GET", "assessments.create_competition"):
        (302, 403, 403, 403, 403, 403, 403, 200, 403, 200, 403),
    ("POST", "assessments.create_competition"):
        (302, 403, 403, 403, 403, 403, 403, 422, 403, 422, 403),
    ("GET", "assessments.edit_competition"):
        (302, 403, 403, 403, 403, 403, 403, 200, 403, 200, 403),
    ("POST", "assessments.edit_competition"):
        (302, 403, 403, 403, 403, 403, 403, 422, 403, 422, 403),
    # Staff and reviewers sign a competition's declaration (the scenario's have signed).
    ("GET", "assessments.declaration"): (302, 403, 403, 200, 200, 200, 200, 200, 200, 200, 200),
    ("POST", "assessments.declaration"): (302, 403, 403, 302, 302, 302, 302, 302, 302, 302, 302),
    ("GET", "assessments.declarations_csv"):
        (302, 403, 403, 403, 403, 403, 403, 200, 403, 200, 403),
    # Complaints: the scenario's is about a KZ certificate whose application "admin" decided,
    # so that administrator is involved and may not handle it (ISO/IEC 17024 §9.9).
    ("GET", "assessments.file_complaint_view"):
        (200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200),
    ("POST", "assessments.file_complaint_view"):
        (422, 422, 422, 422, 422, 422, 422, 422, 422, 422, 422),
    ("GET", "assessments.complaint_status"):
        (404, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404),
    ("GET", "assessments.complaints"): (302, 403, 403, 403, 403, 200, 200, 200, 200, 200, 403),
    ("GET", "assessments.complaint"): (302, 403, 403, 403, 403, 403, 200, 403, 200, 200, 403),
    ("POST", "assessments.assign_investigator_view"):
        (302, 403, 403, 403, 403, 403, 302, 403, 302, 302, 403),
    # Not yet assigned: only an administrator not involved may record the outcome.
    ("POST", "assessments.resolve_complaint_view"):
        (302, 403, 403, 403, 403, 403, 403, 403, 403, 422, 403),
    # Branches (issue 20): the public list; administration by administrators alone.
    ("GET", "main.jobs"): (302, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200),
    ("GET", "main.job"): (302, 404, 404, 404, 404, 404, 404, 200, 404, 200, 404),
    ("GET", "main.job_download"): (302, 404, 404, 404, 404, 404, 404, 200, 404, 200, 404),
    ("POST", "assessments.prepare_annual_report"):
        (302, 403, 403, 403, 403, 302, 302, 302, 302, 302, 403),
    ("POST", "assessments.prepare_export"):
        (302, 403, 403, 403, 403, 302, 302, 302, 302, 302, 403),
    ("POST", "assessments.issue_awarded"):
        (302, 403, 403, 403, 403, 403, 403, 302, 403, 302, 403),
    # A bulk check's page and results: only with its token (an unknown one here), for anyone.
    ("GET", "certificates.verify_bulk_job"):
        (404, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404),
    ("GET", "certificates.verify_bulk_results"):
        (404, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404),
    ("POST", "main.retry_message"): (302, 403, 403, 403, 403, 403, 403, 302, 403, 302, 403),
    ("GET", "branches.public_list"): (200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200),
    ("GET", "branches.manage"): (302, 403, 403, 403, 403, 403, 403, 200, 403, 200, 403),
    ("GET", "branches.create"): (302, 403, 403, 403, 403, 403, 403, 200, 403, 200, 403),
    ("POST", "branches.create"): (302, 403, 403, 403, 403, 403, 403, 422, 403, 422, 403),
    ("GET", "branches.edit"): (302, 403, 403, 403, 403, 403, 403, 200, 403, 200, 403),
    ("POST", "branches.edit"): (302, 403, 403, 403, 403, 403, 403, 422, 403, 422, 403),
    ("POST", "branches.set_active"): (302, 403, 403, 403, 403, 403, 403, 302, 403, 302, 403),
    ("POST", "branches.appoint"): (302, 403, 403, 403, 403, 403, 403, 422, 403, 422, 403),
    # A KZ candidate's page: staff of KZ and administrators; the RU coordinator finds nobody.
    ("GET", "assessments.person"): (302, 403, 403, 403, 403, 404, 200, 200, 200, 200, 403),
    ("POST", "assessments.grant_role_view"):
        (302, 403, 403, 403, 403, 404, 302, 302, 302, 302, 403),
    ("POST", "assessments.remove_role_view"):
        (302, 403, 403, 403, 403, 404, 302, 302, 302, 302, 403),
    # The scenario's review is not this person's: nobody releases it from their page.
    ("POST", "assessments.release_assignment_view"):
        (302, 403, 403, 403, 403, 404, 403, 403, 403, 403, 403),
    # The reviewer pool and invitations (issue 20): staff only; a coordinator sees their
    # branch's. The invitation's link with a token that matches nothing: 400 for everyone.
    ("GET", "assessments.reviewer_pool_view"):
        (302, 403, 403, 403, 403, 200, 200, 200, 200, 200, 403),
    ("GET", "assessments.invite_reviewer"):
        (302, 403, 403, 403, 403, 200, 200, 200, 200, 200, 403),
    ("POST", "assessments.invite_reviewer"):
        (302, 403, 403, 403, 403, 422, 422, 422, 422, 422, 403),
    ("GET", "assessments.invitations"): (302, 403, 403, 403, 403, 200, 200, 200, 200, 200, 403),
    # The scenario's invitation is the KZ coordinator's: KZ staff and administrators manage it
    # (after the first withdrawal, the others are told it no longer waits: a redirect too).
    ("POST", "assessments.withdraw_invitation"):
        (302, 403, 403, 403, 403, 403, 302, 302, 302, 302, 403),
    ("POST", "assessments.resend_invitation"):
        (302, 403, 403, 403, 403, 403, 302, 302, 302, 302, 403),
    ("GET", "assessments.invite_bulk"): (302, 403, 403, 403, 403, 200, 200, 200, 200, 200, 403),
    ("POST", "assessments.invite_bulk"): (302, 403, 403, 403, 403, 422, 422, 422, 422, 422, 403),
    ("POST", "assessments.set_specialism_view"):
        (302, 403, 403, 403, 403, 403, 302, 302, 403, 403, 403),
    ("GET", "auth.reviewer_profile"): (302, 403, 403, 200, 200, 403, 403, 403, 403, 403, 200),
    ("POST", "auth.reviewer_profile"): (302, 403, 403, 422, 422, 403, 403, 403, 403, 403, 422),
    ("GET", "auth.privacy_notice"): (200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200),
    ("GET", "auth.privacy_version"): (200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200),
    ("GET", "auth.privacy_accept"): (302, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200),
    ("POST", "auth.privacy_accept"): (302, 302, 302, 302, 302, 302, 302, 302, 302, 302, 302),
    ("GET", "assessments.my_data"): (302, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200),
    ("POST", "assessments.download_my_data"): (302, 200, 200, 200, 200, 200, 200, 200, 200, 200,
                                               200),
    ("GET", "assessments.invitation"): (400, 400, 400, 400, 400, 400, 400, 400, 400, 400, 400),
    ("POST", "assessments.invitation"): (400, 400, 400, 400, 400, 400, 400, 400, 400, 400, 400),
    ("POST", "assessments.decline_invitation"):
        (400, 400, 400, 400, 400, 400, 400, 400, 400, 400, 400),
    # Importing people (issue 20): administrators and coordinators (rows checked per branch).
    # Posted without a file: the form again (422); a confirmation without its ticket: back.
    ("GET", "users.import_people"): (302, 403, 403, 403, 403, 200, 200, 200, 200, 200, 403),
    ("POST", "users.import_people"): (302, 403, 403, 403, 403, 422, 422, 422, 422, 422, 403),
    ("GET", "users.import_template"): (302, 403, 403, 403, 403, 200, 200, 200, 200, 200, 403),
    ("POST", "users.confirm_import"): (302, 403, 403, 403, 403, 302, 302, 302, 302, 302, 403),
    # Erasure requests (docs/privacy.md): anyone signed in asks (posted empty: the form again);
    # the scenario's pending request is the KZ candidate's: administrators and KZ coordinators
    # decide it (approving carries it out, then "decided already" redirects too).
    ("POST", "assessments.request_erasure_view"):
        (302, 422, 422, 422, 422, 422, 422, 422, 422, 422, 422),
    ("GET", "assessments.erasure_requests"):
        (302, 403, 403, 403, 403, 200, 200, 200, 200, 200, 403),
    ("GET", "assessments.erasure_request"):
        (302, 403, 403, 403, 403, 403, 200, 200, 200, 200, 403),
    ("POST", "assessments.approve_erasure_view"):
        (302, 403, 403, 403, 403, 403, 302, 302, 302, 302, 403),
    ("POST", "assessments.refuse_erasure_view"):
        (302, 403, 403, 403, 403, 403, 422, 422, 422, 422, 403),
    # Calibration (issue 18): the assigned reviewer scores the exemplar (posted empty: the form
    # again, 422); staff see the competition's calibrations (a coordinator, their branch's
    # reviewers: the competition is open to every branch); administrators set the exemplar.
    ("GET", "assessments.calibration"): (302, 403, 403, 200, 403, 403, 403, 403, 403, 403, 403),
    ("POST", "assessments.calibration"): (302, 403, 403, 422, 403, 403, 403, 403, 403, 403, 403),
    ("GET", "assessments.calibration_overview"):
        (302, 403, 403, 403, 403, 200, 200, 200, 200, 200, 403),
    ("POST", "assessments.choose_exemplar_view"):
        (302, 403, 403, 403, 403, 403, 403, 302, 403, 302, 403),
    ("GET", "assessments.exemplar"): (302, 403, 403, 403, 403, 403, 403, 200, 403, 200, 403),
    ("POST", "assessments.exemplar"): (302, 403, 403, 403, 403, 403, 403, 422, 403, 422, 403),
    # One's own account (issue 16): posted empty, the form again (422). A change-of-address
    # link whose token matches nothing: 400 for everyone.
    ("GET", "auth.account"): (302, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200),
    ("POST", "auth.account"): (302, 422, 422, 422, 422, 422, 422, 422, 422, 422, 422),
    ("POST", "auth.change_email"): (302, 422, 422, 422, 422, 422, 422, 422, 422, 422, 422),
    ("GET", "auth.confirm_email_change"): (400, 400, 400, 400, 400, 400, 400, 400, 400, 400, 400),
    ("POST", "auth.confirm_email_change"):
        (400, 400, 400, 400, 400, 400, 400, 400, 400, 400, 400),
    ("GET", "auth.notifications"): (302, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200),
    ("GET", "certificates.my_certificates"):
        (302, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200),
    # The public register (issue 19): anyone may read and export it; only a holder, logged
    # in, gives or withdraws their own consent.
    ("GET", "certificates.public_register"):
        (200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200),
    ("GET", "certificates.public_register_export"):
        (200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200),
    ("POST", "auth.give_register_consent"):
        (302, 302, 302, 302, 302, 302, 302, 302, 302, 302, 302),
    ("POST", "auth.withdraw_register_consent"):
        (302, 302, 302, 302, 302, 302, 302, 302, 302, 302, 302),
    # Status alerts (issue 19): anyone subscribes (an empty form is re-shown, 422); the mailed
    # links and a webhook's secret are the only keys; the holder alone refuses a subscriber
    # (nobody in the scenario holds its certificate: 404, not even its existence); the
    # delivery log is the administrators'.
    ("GET", "alerts.subscribe"): (200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200),
    ("POST", "alerts.subscribe"): (422, 422, 422, 422, 422, 422, 422, 422, 422, 422, 422),
    ("GET", "alerts.confirm"): (404, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404),
    ("POST", "alerts.confirm"): (404, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404),
    ("GET", "alerts.unsubscribe"): (404, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404),
    ("POST", "alerts.unsubscribe"): (404, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404),
    ("GET", "alerts.delete_webhook"): (200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200),
    ("POST", "alerts.delete_webhook"): (422, 422, 422, 422, 422, 422, 422, 422, 422, 422, 422),
    ("POST", "alerts.refuse_subscriber"):
        (302, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404),
    ("GET", "alerts.deliveries"): (302, 403, 403, 403, 403, 403, 403, 200, 403, 200, 403),
    # Referees (issue 19, docs/referees.md): the candidate's own pages alone (posted empty:
    # the form again; the scenario's referee is asked, so removing is refused with a
    # redirect and a new link is sent). The referee's link with a token that matches
    # nothing: 404 for everyone.
    ("GET", "assessments.referees"): (302, 200, 403, 403, 403, 403, 403, 403, 200, 200, 200),
    ("POST", "assessments.referees"): (302, 422, 403, 403, 403, 403, 403, 403, 422, 422, 422),
    ("GET", "assessments.edit_referee"):
        (302, 200, 403, 403, 403, 403, 403, 403, 200, 200, 200),
    ("POST", "assessments.edit_referee"):
        (302, 422, 403, 403, 403, 403, 403, 403, 422, 422, 422),
    ("POST", "assessments.remove_referee_view"):
        (302, 302, 403, 403, 403, 403, 403, 403, 302, 302, 302),
    ("POST", "assessments.resend_referee_link"):
        (302, 302, 403, 403, 403, 403, 403, 403, 302, 302, 302),
    ("GET", "assessments.referee_answer"): (404, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404),
    ("POST", "assessments.referee_answer"):
        (404, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404),
}

# Routes that change nothing about the scenario's objects when refused; listed for clarity.
SKIPPED_ENDPOINTS = {"static"}


def route_url(app, endpoint: str, values: dict) -> str:
    rule = next(r for r in app.url_map.iter_rules() if r.endpoint == endpoint)
    with app.test_request_context():
        return url_for(endpoint, **{name: values[name] for name in rule.arguments})



CHROMIUM = Path("/usr/bin/chromium")
# On a developer's machine without Chromium these are skipped with the reason; in CI, where
# `.ci/run` installs it first, a missing browser is a failure. A browser test module says
# `pytestmark = BROWSER_MARKS`.
BROWSER_MARKS = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists() and os.environ.get("CI") != "true",
                       reason="needs Debian's chromium: run `make browser-deps`"),
]
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"


def browser_log_in(page, live_server: str, person) -> None:
    """Log in through the form and wait until the login page is left, so that what follows
    reads the signed-in page, never the one still loading."""

    page.goto(f"{live_server}/login")
    page.fill("#email", person.email)
    page.fill("#password", person.password)
    page.click("main button[type=submit]")
    page.wait_for_url(lambda url: "/login" not in url)


def assert_accessible(page, screenshot: str | None = None) -> None:
    """axe-core on the page as it stands: no serious or critical violation (WCAG 2.1 AA).

    A journey step names its screenshot, kept under test-artifacts/ for people to look at.
    """

    if screenshot:
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / f"{screenshot}.png"), full_page=True)

    severe = severe_violations(page)
    assert severe == [], f"{page.url}\n" + "\n".join(severe)


def ratings_frame(rows) -> pd.DataFrame:
    """rows: (assessment_id, reviewer_id, criterion_id, level) tuples."""
    return pd.DataFrame(list(rows), columns=list(RATING_COLUMNS))


def criteria_frame(rows) -> pd.DataFrame:
    """rows: (criterion_id, weight, max_level, min_pass_level) tuples."""
    return pd.DataFrame(list(rows), columns=list(CRITERION_COLUMNS))


def panel(levels: dict[str, list[int]], assessment="a1") -> pd.DataFrame:
    """{criterion: [level of reviewer 1, level of reviewer 2, ...]} -> ratings frame."""
    return ratings_frame(
        (assessment, f"r{reviewer}", criterion, level)
        for criterion, column in levels.items()
        for reviewer, level in enumerate(column, start=1)
    )


# Two criteria, weights 3 and 1, both on a 0..4 scale, no gates.
TWO = criteria_frame([("A", 3, 4, None), ("B", 1, 4, None)])


# 1EdTech's OB 3.0 AchievementCredential schema, vendored with its licence (tests/interop/schemas).
OB_SCHEMA_FILE = (Path(__file__).parents[1] / "interop" / "schemas"
                  / "ob_v3p0_achievementcredential_schema.json")


def ob_schema_errors(document: dict) -> list[str]:
    """Where *document* breaks 1EdTech's OB 3.0 JSON Schema (draft 2019-09), one line each."""
    validator = Draft201909Validator(json.loads(OB_SCHEMA_FILE.read_text()))
    return [f"{list(error.absolute_path)}: {error.message}"
            for error in validator.iter_errors(document)]


STAFF_ROLES = (Role.admin, Role.coordinator, Role.reviewer)


def sign_declarations(user: User, competition: Competition) -> None:
    """Inside an app context: ``user`` has signed ``competition``'s impartiality declaration
    (the English text), as staff must before opening its files. The fixtures sign for every
    staff member and competition they create, so tests not about declarations need not."""
    if not user.has_role(*STAFF_ROLES) or db.session.scalar(
            sa.select(ImpartialityDeclaration.id).where(
                ImpartialityDeclaration.user_id == user.id,
                ImpartialityDeclaration.competition_id == competition.id)) is not None:
        return
    with force_locale("en"):
        text = declaration_text(competition)
    db.session.add(ImpartialityDeclaration(
        user_id=user.id, competition_id=competition.id, text_version=text.version,
        text_sha256=text.sha256, language=text.language, signed_name=user.full_name))
    db.session.flush()


def in_threads(app, count, work):
    """Run ``work(i)`` for i in range(count) in threads released together, each in its own app
    context and transaction (committed); returns (results, errors)."""
    barrier = threading.Barrier(count)
    results, errors = [], []

    def run(i):
        with app.app_context():
            try:
                barrier.wait()
                results.append(work(i))
                db.session.commit()
            except Exception as error:  # noqa: BLE001 - reported to the test below
                db.session.rollback()
                errors.append(error)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results, errors


def self_signed_certificate(directory: Path) -> tuple[Path, Path]:
    """A certificate for 127.0.0.1 signed by its own key (a mail server's, for STARTTLS tests):
    (certificate file, key file), PEM."""
    import ipaddress

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = datetime.now(UTC)
    certificate = (
        x509.CertificateBuilder().subject_name(name).issuer_name(name)
        .public_key(key.public_key()).serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(minutes=5)).not_valid_after(now + timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName(
            [x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256()))
    cert_file, key_file = directory / "mail.crt", directory / "mail.key"
    cert_file.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(key.private_bytes(serialization.Encoding.PEM,
                                           serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    return cert_file, key_file


def make_exemplar(competition: Competition, scorer: User, references=None):
    """Inside an app context: a ready calibration exemplar chosen for ``competition``, with
    ``scorer``'s reference level per criterion (2 for each unless given)."""
    criteria = competition.rubric_version.criteria
    exemplar = create_exemplar(competition, by=scorer)
    save_exemplar(exemplar, "Exemplar A", {
        c.id: ExemplarRow(level=3, narrative=f"Exemplar on {c.code}",
                          evidence=f"Report for {c.code}", reference=reference)
        for c, reference in zip(criteria, references or [2] * len(criteria), strict=True)},
        by=scorer)
    return exemplar


def calibration_form(levels, comments=None):
    """The calibration form's fields, as the reviewer posts them."""
    data = {"submit": "1"}
    for i, level in enumerate(levels):
        if level is not None:
            data[f"scores-{i}-level"] = str(level)
        data[f"scores-{i}-comment"] = (comments or {}).get(i, "")
    return data
# Every staff list on the server (certify.core.listing); the last two are administrators' only.
STAFF_LISTS = [
    "/manage/applications/", "/manage/competitions/", "/certificates/",
    "/certificates/renewals", "/users/", "/rubrics/", "/reviewers/",
    "/reviewers/invitations", "/manage/complaints/", "/manage/audit", "/manage/outbox",
]


def add_list_rows(numbers, branch_code: str, competition_id: int, rubric_version_id: int) -> None:
    """One row for every staff list per number of ``numbers``, in the branch of that code,
    bulk through the models (no argon2, no signing; inside an app context, not committed): a
    candidate with a decided application, a certificate with a renewal request, a competition,
    a rubric, an invitation to review, an audit entry, a message and a complaint."""
    home = db.session.scalar(sa.select(Branch).where(Branch.code == branch_code))
    admin = db.session.scalar(sa.select(User).order_by(User.id)) or User(
        email="filler@example.org", password_hash="-", full_name="Filler", country="KZ")
    now, today = utcnow(), utcnow().date()
    db.session.add(admin)
    db.session.flush()
    for number in numbers:
        tag = f"{branch_code}{number}"
        candidate = User(email=f"grown{tag}@example.org".lower(), password_hash="-",
                         full_name=f"Grown Person {tag}", country=home.country, branch=home,
                         role_assignments=[RoleAssignment(role=Role.candidate)])
        application = Application(competition_id=competition_id, candidate=candidate,
                                  branch=home, state="decided", submitted_at=now,
                                  eligibility_confirmed=True)
        db.session.add(Decision(application=application, outcome="award", reason="-",
                                decided_by_id=admin.id))
        certificate = Certificate(
            number=f"T-{tag}", track="professor", branch=home, year=2026, sequence=number + 1,
            holder=candidate, holder_name=candidate.full_name,
            rubric_version_id=rubric_version_id, valid_from=today,
            valid_until=today.replace(year=today.year + 5, day=1))
        db.session.add(RenewalRequest(certificate=certificate, cpd_hours=10, narrative="-"))
        db.session.add(Competition(title={"en": f"Call {tag}"},
                                   rubric_version_id=rubric_version_id, opens_at=now,
                                   closes_at=now + timedelta(days=1)))
        db.session.add(Rubric(code=f"R{tag}", track="engineer", title={"en": f"Rubric {tag}"},
                              branch=home, versions=[RubricVersion(number=1)]))
        db.session.add(ReviewerInvitation(
            email=f"invited{tag}@example.org".lower(), competition_id=competition_id,
            branch=home, language="en", token_hash=uuid.uuid4().hex, invited_by_id=admin.id,
            expires_at=now + timedelta(days=7)))
        db.session.add(AuditEvent(action="test.grown", object_type="User", actor_id=admin.id,
                                  hash=uuid.uuid4().hex))
        db.session.add(Notification(user=candidate, kind="test", dedup_key=tag, language="en",
                                    subject=f"Hello {tag}", body="-"))
        db.session.add(Complaint(number=f"G-{tag}", year=2026, sequence=number + 1,
                                 subject="process", branch=home, complainant_name="-",
                                 complainant_email="complainant@example.org", language="en",
                                 description="-", token_hash=uuid.uuid4().hex))


def log_cpd(holder_id: int, track: str = "professor", *, evidence: bool = False) -> list[int]:
    """CPD entries (inside an app context) that meet the track's default rule (150 h in 3
    years, the category minimums): their ids; ``evidence`` adds a PDF to the first."""
    categories = {"professor": ("teaching_practice", "industry_engagement", "area_of_practice"),
                  "engineer": ("area_of_practice", "risk_and_safety", "professional_ethics")}
    ended = utcnow().date() - timedelta(days=40)
    entries = [CpdEntry(holder_id=holder_id, title=f"Course in {category}", hours=50,
                        started_on=ended - timedelta(days=5), ended_on=ended,
                        category=category, plan="p", record="r", reflect="r", evaluate="e")
               for category in categories[track]]
    db.session.add_all(entries)
    if evidence:
        stored = store_file(PDF, check_file(PDF, "record.pdf"))
        entries[0].evidence.append(CpdEvidence(
            kind="file", title="record.pdf", stored_name=stored.stored_name,
            content_type=stored.content_type, size=stored.size, sha256=stored.sha256))
    db.session.flush()
    return [entry.id for entry in entries]


def open_competition(version_id: int, title: dict | None = None) -> int:
    """A competition open for a day past and ten to come on a rubric version (inside an app
    context); its id."""
    competition = Competition(title=title or {"en": "Interviews"}, rubric_version_id=version_id,
                              state="open", opens_at=utcnow() - timedelta(days=1),
                              closes_at=utcnow() + timedelta(days=10))
    db.session.add(competition)
    db.session.flush()
    return competition.id
