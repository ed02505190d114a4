"""Every model of the application, imported once so the metadata knows all tables."""

from assessments.calibration.models import (  # noqa: F401
    Calibration,
    CalibrationScore,
    Exemplar,
    ExemplarAnswer,
    ExemplarReference,
)
from assessments.complaints.models import Complaint, ComplaintSequence  # noqa: F401
from assessments.interviews import InterviewFinding  # noqa: F401
from assessments.models import (  # noqa: F401
    Appeal,
    Application,
    ApplicationAnswer,
    ApplicationRound,
    Competition,
    Conflict,
    Decision,
    DiscussionPost,
    Evidence,
    EvidenceCheck,
    Interview,
    Review,
    ReviewRevision,
    ReviewScore,
)
from assessments.referees.models import Referee, RefereeClaim  # noqa: F401
from assessments.reviewers.models import ReviewerInvitation  # noqa: F401
from certify.alerts.models import AlertSubscription, DeliveryAttempt, WebhookDelivery  # noqa: F401
from certify.certificates.cpd.models import (  # noqa: F401
    CpdAudit,
    CpdAuditDraw,
    CpdDeclaration,
    CpdEntry,
    CpdEvidence,
)
from certify.certificates.models import (  # noqa: F401
    Certificate,
    CertificateSequence,
    RenewalFinding,
    RenewalRequest,
    SigningKey,
)
from certify.core.audit import AuditEvent  # noqa: F401
from certify.core.checkpoints import AuditCheckpoint  # noqa: F401
from certify.core.jobs import BackgroundJob  # noqa: F401
from certify.core.outbox import Notification  # noqa: F401
from certify.users.models import (  # noqa: F401
    Branch,
    ReviewerLanguage,
    ReviewerProfile,
    ReviewerSpecialism,
    RoleAssignment,
    User,
)
from rubrics.models import Criterion, Level, Rubric, RubricVersion  # noqa: F401
