"""The public register (certify.certificates.public_register): the page anyone may search and
the CSV export for accreditors, each with its own rate limit per client address."""

from __future__ import annotations

from flask import current_app, render_template, url_for

from certify.certificates.blueprint import bp
from certify.certificates.issuer import issuer_name
from certify.certificates.public_register import (
    REGISTER,
    Entry,
    canonical_key,
    export_header,
    export_rows,
    filter_controls,
    ignored_parameters,
    register_page,
)
from certify.core import public_cache
from certify.core.db_types import utcnow
from certify.core.extensions import autocommit_reads, limiter
from certify.core.i18n import current_language
from certify.core.listing import ListRequest
from certify.core.readable import country_name
from certify.core.tabular import csv_response, iter_csv
from certify.users.models import RegisterConsent

# A consent given or withdrawn changes the register: the commit drops every kept answer.
public_cache.watch(RegisterConsent)


def _page_rate() -> str:
    return current_app.config["PUBLIC_REGISTER_RATE_LIMIT"]


def _export_rate() -> str:
    return current_app.config["PUBLIC_REGISTER_EXPORT_RATE_LIMIT"]


@bp.get("/public-register")
@limiter.limit(_page_rate, scope="public-register")
def public_register():
    ignored = ignored_parameters()
    if ignored:  # the page names them: not the answer everyone asking the same gets
        return _register_page(ignored)
    key = canonical_key(ListRequest.parse(REGISTER))
    return public_cache.cached_for_visitors(
        f"register:{current_language()}:{key}", lambda: _register_page(ignored))


def _register_page(ignored: list[str]):
    autocommit_reads()
    page = register_page()
    return current_app.make_response(render_template(
        "certificates/public_register.html", entries=page,
        rows=[Entry(certificate) for certificate in page.items],
        controls=filter_controls(), ignored=ignored, issuer_name=issuer_name(),
        country_name=country_name, export_url=_export_url(page.asked)))


def _export_url(asked: ListRequest) -> str:
    """The export of what the page shows: its filters, search and sort, every page of them."""
    params = {name: value for name, value in asked.params(REGISTER).items()
              if name not in ("page", "per_page")}
    return url_for(".public_register_export", **params)


@bp.get("/public-register.csv")
@limiter.limit(_export_rate, scope="public-register-export")
def public_register_export():
    """The same entries as the page with the same filters and sort, all of them, streamed."""
    asked = ListRequest.parse(REGISTER)
    return csv_response(iter_csv(export_header(), export_rows(asked)),
                        f"public-register-{utcnow().date().isoformat()}.csv")
