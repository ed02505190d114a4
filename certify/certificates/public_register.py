"""The public register of certificate holders (issue 19): who holds a certificate today, for
anyone to search, and as a CSV for accreditors.

Who is listed (domain anchors §3.4 rules 9 and 10): a holder who consented
(``certify.users.register_consent``; off by default), whose account was not erased, with each of
their certificates that is not private and is within its period of validity and not revoked,
i.e. whose status is *valid* or *suspended*. A suspended certificate is still held, and the
public's reason to look (may I rely on this person's title?) needs its suspension shown. An
expired or revoked certificate is no longer held, so it is not a register entry; its number
still answers on the verification page. A renewal replaces its predecessor as the two
periods meet, so a holder has one entry per track.

What is shown is rule 10's list and nothing else: names in Latin and native script, the number,
title and band, track, specialism, issuing body (the centre and its branch), the dates and the
status, with the holder's country to filter by; never an e-mail address, affiliation, CV or
contact details.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

import sqlalchemy as sa
from flask import request
from flask_babel import gettext as _
from sqlalchemy.orm import contains_eager, load_only, selectinload

from certify.certificates.issuer import issuer_name
from certify.certificates.models import Certificate
from certify.certificates.status import CertificateStatus, certificate_status
from certify.core.db_types import utcnow
from certify.core.extensions import db
from certify.core.i18n import localized
from certify.core.listing import (
    Filter,
    FilterControl,
    ListPage,
    ListRequest,
    ListSpec,
    contains,
    filtered,
    one_of,
    paginate,
)
from certify.core.names import search_key
from certify.core.readable import country_name
from certify.core.urls import absolute_url
from certify.users.models import Branch, RegisterConsent, User
from certify.users.specialisms import SPECIALISM_CODES, Specialism
from rubrics.models import RubricVersion, Track

LISTED_STATUSES = (CertificateStatus.valid, CertificateStatus.suspended)
EXPORT_BATCH = 500  # rows read from the database at a time while the CSV streams


def _pattern(expression: str, upper: bool = False):
    compiled = re.compile(expression)

    def parse(value: str) -> str | None:
        value = value.upper() if upper else value
        return value if compiled.fullmatch(value) else None
    return parse


def _status_is(status: str):
    """Among listed certificates (never revoked, within their dates), the suspension decides."""
    if status == CertificateStatus.suspended:
        return Certificate.suspended_at.is_not(None)
    return Certificate.suspended_at.is_(None)


def _name_or_number(text: str):
    return sa.or_(contains(Certificate.holder_name_key, search_key(text)),
                  contains(Certificate.number, text.upper()))


REGISTER = ListSpec(
    sorts={"name": Certificate.holder_name, "number": Certificate.number,
           "issued": Certificate.issued_at, "valid_until": Certificate.valid_until},
    default_sort="name",
    filters={
        "country": Filter(_pattern(r"[A-Z]{2}", upper=True), lambda v: User.country == v),
        "branch": Filter(_pattern(r"[A-Z]{2,8}", upper=True), lambda v: Branch.code == v),
        "track": Filter(one_of(*Track), lambda v: Certificate.track == v),
        "band": Filter(_pattern(r"[A-Za-z0-9_.-]{1,32}"), lambda v: Certificate.band == v),
        "specialism": Filter(one_of(*SPECIALISM_CODES), lambda v: Certificate.specialism == v),
        "status": Filter(one_of(*LISTED_STATUSES), _status_is),
    },
    search=_name_or_number,
    tiebreak=Certificate.id,
)
# Parameters the register reads; any other is not a register parameter and is left alone.
KNOWN_PARAMETERS = ("q", "page", "per_page", "sort", *REGISTER.filters)


def listed() -> sa.Select:
    """Every register entry as a query (unsorted, unfiltered), the rule of the docstring."""
    today = utcnow().date()
    return (sa.select(Certificate)
            .join(RegisterConsent, RegisterConsent.user_id == Certificate.holder_id)
            .join(Certificate.holder).join(Certificate.branch)
            .where(User.erased_at.is_(None), Certificate.is_private.is_(False),
                   Certificate.revoked_at.is_(None), Certificate.valid_from <= today,
                   Certificate.valid_until >= today))


# What an entry shows: its own columns, its holder's country, its branch, its bands' titles.
ENTRY_COLUMNS = (
    load_only(Certificate.number, Certificate.track, Certificate.holder_name,
              Certificate.holder_name_native, Certificate.issued_at, Certificate.valid_from,
              Certificate.valid_until, Certificate.revoked_at, Certificate.suspended_at,
              Certificate.band, Certificate.specialism, Certificate.credential_id,
              Certificate.rubric_version_id),
    contains_eager(Certificate.holder).load_only(User.country),
    contains_eager(Certificate.branch).load_only(Branch.code, Branch.name,
                                                 Branch.host_institution),
    selectinload(Certificate.rubric_version).load_only(RubricVersion.bands),
)


def register_page() -> ListPage:
    return paginate(listed(), REGISTER, options=ENTRY_COLUMNS)


def ignored_parameters() -> list[str]:
    """The register's parameters in the URL whose value was not understood (and is ignored):
    the page says so, rather than quietly showing something else than was asked."""
    asked = ListRequest.parse(REGISTER)
    accepted = {"q": asked.q, "page": str(asked.page), "per_page": str(asked.per_page),
                "sort": asked.sort, **asked.raw_filters}
    ignored = []
    for name in KNOWN_PARAMETERS:
        value = request.args.get(name, "").strip()
        if name in REGISTER.filters:
            if value and name not in asked.raw_filters:
                ignored.append(name)
        elif value and name != "q" and value != accepted[name]:
            ignored.append(name)
    return ignored


def canonical_key(asked: ListRequest) -> str:
    """The cache key of a register page: its accepted parameters, in a fixed order."""
    params = asked.params(REGISTER)
    return "&".join(f"{name}={params[name]}" for name in sorted(params))


def band_options() -> list[tuple[str, str]]:
    """The bands of published rubric versions, each code once, titled in the page's language."""
    titles: dict[str, str] = {}
    for bands in db.session.scalars(sa.select(RubricVersion.bands).where(
            RubricVersion.published_at.is_not(None)).order_by(RubricVersion.id)):
        for band in bands or []:
            if band.get("code") and band["code"] not in titles:
                titles[band["code"]] = localized(band.get("title")) or band["code"]
    return sorted(titles.items(), key=lambda item: item[1])


def listed_countries() -> list[str]:
    """The holders' countries that have an entry (the country filter offers no empty choice)."""
    return list(db.session.scalars(listed().with_only_columns(User.country).distinct()))


def filter_controls() -> list[FilterControl]:
    return controls(listed_countries(),
                    list(db.session.scalars(sa.select(Branch).order_by(Branch.code))),
                    band_options())


def controls(countries: list[str], branches: list[Branch],
             bands: list[tuple[str, str]]) -> list[FilterControl]:
    return [
        FilterControl("country", _("Country"),
                      sorted(((c, country_name(c)) for c in countries), key=lambda o: o[1])),
        FilterControl("branch", _("Branch"), [(b.code, b.display_name) for b in branches]),
        FilterControl("track", _("Title awarded"), [(t.value, t.title) for t in Track]),
        FilterControl("band", _("Band"), bands),
        FilterControl("specialism", _("Specialism"), [(s.value, s.title) for s in Specialism]),
        FilterControl("status", _("Status"), [(s.value, s.title) for s in LISTED_STATUSES]),
    ]


@dataclass(frozen=True)
class Entry:
    """A register entry as the page and the export show it."""

    certificate: Certificate

    @property
    def status(self) -> CertificateStatus:
        return certificate_status(self.certificate)

    @property
    def issuing_body(self) -> str:
        branch = self.certificate.branch
        host = localized(branch.host_institution)
        return f"{branch.display_name} ({host})" if host else branch.display_name


def export_header() -> list[str]:
    return [_("Certificate number"), _("Name"), _("Name in native script"), _("Title awarded"),
            _("Band"), _("Track"), _("Specialism"), _("Issuing body"), _("Branch"),
            _("Country"), _("Issued on"), _("Valid until"), _("Status"),
            _("Verification page"), _("Signed credential")]


def export_rows(asked: ListRequest) -> Iterator[list]:
    """The filtered register, sorted as asked, one row per entry, read in batches (it streams:
    nothing holds the whole register)."""
    query = filtered(listed(), REGISTER, asked).order_by(*REGISTER.order_by(asked.sort))
    issuer = issuer_name()
    for certificate in _batches(query.options(*ENTRY_COLUMNS)):
        entry = Entry(certificate)
        yield [certificate.number, certificate.holder_name, certificate.holder_name_native or "",
               certificate.track_title, certificate.band_title(),
               certificate.track.value, certificate.specialism_title(),
               f"{issuer}; {entry.issuing_body}", certificate.branch.code,
               certificate.holder.country, certificate.issued_at.date().isoformat(),
               certificate.valid_until.isoformat(), entry.status.title,
               absolute_url("certificates.verify", number=certificate.number),
               absolute_url("certificates.credential", number=certificate.number)
               if certificate.credential_id else ""]


def _batches(query: sa.Select) -> Iterator[Certificate]:
    offset = 0
    while True:
        rows = list(db.session.scalars(query.limit(EXPORT_BATCH).offset(offset)).unique())
        yield from rows
        if len(rows) < EXPORT_BATCH:
            return
        offset += EXPORT_BATCH
        db.session.expunge_all()
