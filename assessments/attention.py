"""What needs a person now: the top of each role's dashboard (issue 16).

Each list is loaded in a fixed number of statements however long it is, and is ordered by what
is most pressing: the nearest deadline first, then the oldest.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import sqlalchemy as sa
from sqlalchemy.orm import joinedload

from assessments.models import Application, Competition
from assessments.queries import open_work_of, pending_reviews_of
from assessments.states import ApplicationState, CompetitionState
from certify.certificates.lookups import pending_renewals
from certify.core.extensions import db
from certify.users.models import User

CARD_SIZE = 5  # items named on a card; the rest are counted ("and 12 more")


@dataclass
class Card:
    """One kind of waiting work: its most pressing items and how many there are in all."""

    first: list = field(default_factory=list)
    total: int = 0

    @classmethod
    def of(cls, items: list) -> Card:
        return cls(items[:CARD_SIZE], len(items))

    @property
    def more(self) -> int:
        return self.total - len(self.first)

    def __bool__(self) -> bool:
        return self.total > 0


@dataclass
class Attention:
    """The work waiting for one person, by kind; ``empty`` when nothing is."""

    reviews: Card = field(default_factory=Card)        # assigned, not yet submitted
    returned: Card = field(default_factory=Card)       # sent back to the candidate
    drafts: Card = field(default_factory=Card)         # unsent, competition still open
    to_check: Card = field(default_factory=Card)       # eligibility not yet confirmed
    to_assign: Card = field(default_factory=Card)      # fewer reviewers than needed
    to_decide: Card = field(default_factory=Card)      # reviews in, no decision
    second_checks: Card = field(default_factory=Card)  # decisions drawn for moderation
    renewals: int = 0                                  # renewal requests waiting

    @property
    def empty(self) -> bool:
        return not (self.reviews or self.returned or self.drafts or self.to_check
                    or self.to_assign or self.to_decide or self.second_checks or self.renewals)


def attention_for(user: User) -> Attention:
    found = Attention()
    if user.has_role("reviewer"):
        found.reviews = Card(*pending_reviews_of(user, first=CARD_SIZE))
    if user.has_role("candidate"):
        drafts = db.session.scalars(
            sa.select(Application).join(Competition)
            .where(Application.candidate_id == user.id,
                   Application.state == ApplicationState.draft,
                   Competition.state == CompetitionState.open)
            .order_by(Competition.closes_at).options(joinedload(Application.competition))
        ).all()
        found.returned = Card.of([a for a in drafts if a.returned_at is not None])
        found.drafts = Card.of([a for a in drafts if a.returned_at is None])
    if user.has_role("admin", "coordinator"):
        for kind, (first, total) in open_work_of(user, first=CARD_SIZE).items():
            setattr(found, kind, Card(first, total))
        found.renewals = pending_renewals(user)
    return found

