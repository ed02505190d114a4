"""The rubrics list on the server (``certify.core.listing``): searched by code or title,
filtered by track and branch, each rubric with its versions (and their criteria counted) loaded
in a fixed number of statements."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import joinedload, lazyload, load_only, selectinload

from certify.core.listing import Filter, ListPage, ListSpec, contains, integer, one_of, paginate
from rubrics.models import Criterion, Rubric, RubricVersion, Track

RUBRICS = ListSpec(
    sorts={"code": Rubric.code, "created": Rubric.created_at},
    default_sort="code",
    filters={"track": Filter(one_of(*Track), lambda v: Rubric.track == v),
             "branch": Filter(integer, lambda v: Rubric.branch_id == v)},
    search=lambda text: sa.or_(contains(Rubric.code, text),
                               contains(sa.cast(Rubric.title, sa.String), text)),
    tiebreak=Rubric.id,
)


def rubrics_page() -> ListPage:
    versions = selectinload(Rubric.versions)
    return paginate(sa.select(Rubric), RUBRICS, options=(
        joinedload(Rubric.branch),
        # Counted, not shown: neither the criteria's columns nor their levels.
        versions.selectinload(RubricVersion.criteria).options(load_only(Criterion.id),
                                                              lazyload(Criterion.levels)),
        versions.selectinload(RubricVersion.based_on)))
