"""certify.core.listing: what a list's URL may ask, checked against the list's whitelist."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from sqlalchemy.dialects import sqlite

from certify.core.audit import AuditEvent
from certify.core.extensions import db
from certify.core.listing import (
    DEFAULT_PER_PAGE,
    Filter,
    ListPage,
    ListRequest,
    ListSpec,
    contains,
    distinct_values,
    integer,
    member_of,
    one_of,
    paginate,
)
from certify.users.models import User
from tests.support import STAFF_LISTS, counting_statements, login

SPEC = ListSpec(
    sorts={"name": User.full_name, "email": User.email},
    default_sort="name",
    filters={"branch": Filter(integer, lambda v: User.branch_id == v),
             "enabled": Filter(one_of("yes", "no"), lambda v: User.is_enabled.is_(v == "yes"))},
    tiebreak=User.id,
)


def test_bad_values_fall_back_to_the_defaults():
    asked = ListRequest.parse(SPEC, {
        "page": "-1", "per_page": "10000", "sort": "evil; DROP TABLE users", "q": "x" * 500,
        "branch": "abc", "enabled": "maybe", "unknown": "1"})
    assert (asked.page, asked.per_page, asked.sort) == (1, DEFAULT_PER_PAGE, "name")
    assert asked.q == "x" * 100
    assert asked.filters == {} and asked.raw_filters == {}
    for page in ("0", "1.5", "9" * 30, "", "²", "٣"):  # digits to isdigit, not ASCII
        assert ListRequest.parse(SPEC, {"page": page}).page == 1


def test_good_values_are_kept():
    asked = ListRequest.parse(SPEC, {"page": "3", "per_page": "50", "sort": "-email",
                                     "q": "  Ivan   Petrov ", "branch": "2", "enabled": "no"})
    assert (asked.page, asked.per_page, asked.sort, asked.q) == (3, 50, "-email", "Ivan Petrov")
    assert asked.filters == {"branch": 2, "enabled": "no"}
    assert [str(c) for c in SPEC.order_by(asked.sort)] == ["users.email DESC", "users.id DESC"]


def test_links_keep_the_state_and_a_new_filter_starts_on_page_one(app):
    with app.test_request_context("/users/?page=2&q=ivan&branch=1&sort=-email&per_page=10"):
        asked = ListRequest.parse(SPEC)
        page = ListPage(items=[], total=95, page=2, pages=10, spec=SPEC, asked=asked,
                        endpoint="users.index", view_args={})
        assert page.url(page=3) == "/users/?branch=1&q=ivan&sort=-email&per_page=10&page=3"
        assert page.url(enabled="yes") == ("/users/?branch=1&q=ivan&sort=-email&per_page=10"
                                           "&enabled=yes")
        assert page.sort_url("email") == "/users/?branch=1&q=ivan&sort=email&per_page=10"
        assert page.sort_url("name") == "/users/?branch=1&q=ivan&sort=name&per_page=10"
        assert page.clear_url() == "/users/?sort=-email&per_page=10"
        assert page.sorted_by("email") == "descending" and page.sorted_by("name") is None
        assert (page.first_number, page.last_number) == (11, 20)
        assert page.page_numbers() == [1, 2, 3, 4, None, 10]


def test_search_is_literal():
    """``%`` and ``_`` in a search are the characters, not wildcards."""
    condition = contains(User.full_name, "50%_off")
    compiled = condition.compile(dialect=sqlite.dialect(),
                                 compile_kwargs={"literal_binds": True})
    assert "50/%/_off" in str(compiled)


def _numbers(last: int):
    """The numbers 1..last as rows of a query, without a table (a recursive query)."""
    numbers = sa.select(sa.literal(1).label("n")).cte("numbers", recursive=True)
    numbers = numbers.union_all(sa.select(numbers.c.n + 1).where(numbers.c.n < last))
    return sa.select(numbers.c.n), ListSpec(sorts={"n": numbers.c.n}, default_sort="n")


@pytest.mark.parametrize(("rows", "url", "expected"), [
    # Under the limit: counted exactly, the last page linked.
    (25, "/?per_page=10&page=3", (25, True, 3, [1, 2, 3], False)),
    # Past it: the count stops at max(limit, rows to the pages after this one) + 1.
    (100, "/?per_page=10", (30, False, 3, [1, 2, 3], True)),
    (100, "/?per_page=10&page=3", (50, False, 5, [1, 2, 3, 4, 5], True)),
    # Far enough that the count reaches the end: exact again.
    (100, "/?per_page=10&page=10", (100, True, 10, [1, None, 8, 9, 10], False)),
])
def test_the_count_stops_past_the_limit(app, in_app, monkeypatch, rows, url, expected):
    monkeypatch.setitem(app.config, "LIST_COUNT_LIMIT", 20)
    query, spec = _numbers(rows)

    def page_of_numbers():
        with app.test_request_context(url):
            page = paginate(query, spec, scalars=False)
            return (page.total, page.total_exact, page.pages, page.page_numbers(),
                    page.has_next), [row.n for row in page.items]

    figures, items = in_app(page_of_numbers)
    assert figures == expected
    page = int(url.rpartition("page=")[2]) if "&page=" in url else 1
    assert items == list(range(page * 10 - 9, min(rows, page * 10) + 1))


# fill_lists adds no reviewers to the pool (its count is checked in test_reviewer_pool.py).
@pytest.mark.parametrize("path", [path for path in STAFF_LISTS if path != "/reviewers/"])
def test_past_the_count_limit_a_list_says_more_than_and_has_no_last_page(
        app, client, create_user, fill_lists, monkeypatch, path):
    monkeypatch.setitem(app.config, "LIST_COUNT_LIMIT", 5)
    login(client, create_user("admin"))
    fill_lists(35)
    with counting_statements(app) as statements:
        page = client.get(path + "?per_page=10").get_data(as_text=True)
    assert "more than 30 results" in page, path
    assert "Page 1" in page and "Page 1 of" not in page and 'rel="next"' in page
    counts = [s for s in statements if "count(*)" in s.lower()]
    assert counts and all("LIMIT" in s for s in counts), "\n".join(counts)
    # The next pages still open, and a page past the rows shows the last.
    assert "Page 2" in client.get(path + "?per_page=10&page=2").get_data(as_text=True)
    last = client.get(path + "?per_page=10&page=500").get_data(as_text=True)
    assert "Page 1 of" not in last and 'rel="next"' not in last


def test_a_filters_options_are_each_value_once_in_order(in_app):
    assert in_app(lambda: distinct_values(AuditEvent.action)) == []

    def values():
        db.session.add_all(AuditEvent(action=action, object_type=kind, hash=f"{n:064x}")
                           for n, (action, kind) in enumerate(
                               [("b.x", "User"), ("a.y", "Certificate"), ("b.x", "User"),
                                ("c.z", "User"), ("a.y", "Application")] * 3))
        db.session.flush()
        return distinct_values(AuditEvent.action), distinct_values(AuditEvent.object_type)

    assert in_app(values) == (["a.y", "b.x", "c.z"], ["Application", "Certificate", "User"])


def test_member_of_reads_the_subquerys_rows_first_on_postgresql(in_app):
    enabled = sa.select(User.id).where(User.is_enabled)

    def rows():
        db.session.add_all(User(email=f"m{n}@example.org", full_name=f"Member {n:02d}",
                                password_hash="-", country="KZ", is_enabled=n % 3 == 0)
                            for n in range(30))
        db.session.flush()
        sorted_page = sa.select(User.full_name).order_by(User.full_name.desc()).limit(4)
        return (db.session.scalars(sorted_page.where(member_of(User.id, enabled))).all(),
                db.session.scalars(sorted_page.where(User.id.in_(enabled))).all(),
                db.session.scalar(sa.select(sa.func.count(User.id))
                                  .where(member_of(User.id, enabled))),
                str(member_of(User.id, enabled).compile(db.engine)))

    found, expected, count, written = in_app(rows)
    on_postgresql = in_app(lambda: db.engine.dialect.name) == "postgresql"
    assert written.startswith("users.id = ANY (array((SELECT users.id" if on_postgresql
                              else "users.id IN (SELECT users.id")
    assert found == expected == ["Member 27", "Member 24", "Member 21", "Member 18"]
    assert count == 10
