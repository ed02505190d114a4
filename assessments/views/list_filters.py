"""The filters' selects of the assessments' lists (``templates/_lists.html``), each offering
only what the viewer may see: a coordinator is offered their own branches."""

from __future__ import annotations

import sqlalchemy as sa
from flask import request
from flask_babel import gettext as _

from assessments.lists import MANAGED_STATES
from assessments.models import Competition
from assessments.states import CompetitionState, ReviewState
from certify.core.extensions import db
from certify.core.i18n import localized
from certify.core.listing import FilterControl, integer
from certify.users.models import User
from certify.users.operations import active_branches
from rubrics.models import Track

# The competition filter offers the latest ones (and the one chosen): the page stays the same
# size however many calls the years bring; an older one is chosen from the competitions page.
COMPETITION_CHOICES = 100


def competition_control() -> FilterControl:
    chosen = integer(request.args.get("competition", ""))
    rows = db.session.execute(
        sa.select(Competition.id, Competition.title)
        .where(sa.or_(Competition.id.in_(sa.select(Competition.id)
                                         .order_by(Competition.opens_at.desc(),
                                                   Competition.id.desc())
                                         .limit(COMPETITION_CHOICES)),
                      Competition.id == (chosen or 0)))
        .order_by(Competition.opens_at.desc(), Competition.id.desc()))
    return FilterControl("competition", _("Competition"),
                         [(id_, localized(title)) for id_, title in rows])


def branch_control(viewer: User) -> FilterControl:
    return FilterControl("branch", _("Branch"), [
        (b.id, b.code) for b in active_branches()
        if viewer.is_admin or b.id in viewer.coordinated_branch_ids])


def track_control() -> FilterControl:
    return FilterControl("track", _("Track"), [(t.value, t.title) for t in Track])


def application_filters(viewer: User) -> list[FilterControl]:
    return [
        competition_control(),
        branch_control(viewer),
        FilterControl("state", _("State"), [(s.value, s.title) for s in MANAGED_STATES]),
        track_control(),
        FilterControl("appeal", _("Appeals"), [("open", _("With an open appeal"))]),
    ]


def competition_filters() -> list[FilterControl]:
    return [FilterControl("state", _("State"), [(s.value, s.title) for s in CompetitionState]),
            track_control()]


def review_filters() -> list[FilterControl]:
    return [competition_control(),
            FilterControl("state", _("State"), [(s.value, s.title) for s in ReviewState])]
