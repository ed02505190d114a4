"""certify.core.listing: what a list's URL may ask, checked against the list's whitelist."""

from __future__ import annotations

from sqlalchemy.dialects import sqlite

from certify.core.listing import (
    DEFAULT_PER_PAGE,
    Filter,
    ListPage,
    ListRequest,
    ListSpec,
    contains,
    integer,
    one_of,
)
from certify.users.models import User

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
