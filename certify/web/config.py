"""Configuration: defaults here, overridden by ``CERTIFY_*`` environment variables.

``CERTIFY_DATABASE_URL`` picks the database (default: SQLite in the instance folder),
``CERTIFY_SECRET_KEY`` signs sessions and is required outside tests and the demo.
"""

from __future__ import annotations

LANGUAGES = ("en", "ru", "kk")
# `flask run`'s own address: the demo's and the tests' public address unless one is given.
LOCAL_BASE_URL = "http://127.0.0.1:5000"


# Settings kept in the instance folder (TOML, keys as in Config without the CERTIFY_ prefix);
# the environment overrides them. `flask demo` writes DEMO and PUBLIC_BASE_URL there.
INSTANCE_SETTINGS = "settings.toml"


class Config:
    SECRET_KEY: str | None = None
    DATABASE_URL: str | None = None
    # Set by `make run` only: the demo may generate and keep its own secret key.
    DEMO = False

    SQLALCHEMY_ENGINE_OPTIONS = {"pool_pre_ping": True}
    SQLALCHEMY_RECORD_QUERIES = False

    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    # Production is served over HTTPS; the demo and the tests turn these off (plain HTTP).
    SESSION_COOKIE_SECURE = True
    REMEMBER_COOKIE_SECURE = True
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"
    PERMANENT_SESSION_LIFETIME = 8 * 3600

    WTF_CSRF_ENABLED = True
    WTF_CSRF_TIME_LIMIT = 4 * 3600

    LANGUAGES = LANGUAGES
    BABEL_DEFAULT_LOCALE = "en"
    BABEL_DEFAULT_TIMEZONE = "UTC"
    BABEL_TRANSLATION_DIRECTORIES = "translations"

    # Flask-Limiter: use a shared store (e.g. redis://127.0.0.1:6379/0) with several workers.
    RATELIMIT_STORAGE_URI = "memory://"
    # No X-RateLimit-* headers on every response: reading the window for them costs two more
    # store round trips per request. A refusal (429) still says when to retry (errors.py).
    RATELIMIT_HEADERS_ENABLED = False
    # Reverse proxies in front of the app whose X-Forwarded-* headers are believed (0: none).
    TRUSTED_PROXIES = 0
    # Failed logins (certify/users/throttle.py): per account and client address (the tight
    # limit), per client address over all accounts, and per account over all addresses (the
    # ceiling; a browser that logged in to the account before passes it: a "known device").
    LOGIN_FAILURE_LIMIT = "10 per 15 minutes"
    LOGIN_ADDRESS_LIMIT = "50 per 15 minutes"
    LOGIN_ACCOUNT_LIMIT = "50 per hour"
    KNOWN_DEVICE_MAX_AGE = 180 * 24 * 3600
    # The second factor: how long the password step stays good, wrong codes per pending login
    # (then the password is asked again) and per account.
    PENDING_LOGIN_MAX_AGE = 600
    TOTP_PENDING_GUESSES = 5
    TOTP_ACCOUNT_LIMIT = "10 per 15 minutes"
    # Registration and password-reset requests per client address (each may send a mail).
    ACCOUNT_MAIL_LIMIT = "10 per 15 minutes"
    # Complaints filed per client address (each mails the address given).
    COMPLAINT_RATE_LIMIT = "5 per hour"
    # How long a mailed link works: account confirmation (seconds), password reset.
    EMAIL_CONFIRM_MAX_AGE = 48 * 3600
    # A reviewer's invitation works this many days; an unanswered one is reminded this many
    # days after its newest link went out (`flask --app certify notify-invitations`).
    INVITATION_MAX_AGE_DAYS = 14
    INVITATION_REMINDER_DAYS = 5
    # A reviewer whose calibration (docs/calibration.md) is further than this from the
    # reference panel — mean absolute difference, in levels — is flagged to staff; they are
    # not stopped from reviewing.
    CALIBRATION_FLAG_THRESHOLD = 1.0
    # At most this many reminders per invitation, each INVITATION_REMINDER_DAYS after the
    # newest link went out.
    INVITATION_MAX_REMINDERS = 2
    # Referees who vouch for an application's claims (docs/referees.md): per track, how many
    # the candidate names and what at least one of them must be able to vouch from
    # (assessments.referees.models.Capacity); a track not listed needs none. The file goes
    # to review only once they all answered. Domain anchors §3.4 rule 3 (two independent
    # voices); professional bodies ask two sponsors (Engineering Council, AusIMM).
    REFEREE_REQUIREMENTS = {
        "professor": {"count": 2, "capacities": ["observed_teaching"]},
        "engineer": {"count": 2, "capacities": ["supervised_engineering"]},
    }
    # A referee's link works this many days; an unanswered one is reminded (with a new link)
    # this many days after its newest link, at most this many times
    # (`flask --app certify referees remind`).
    REFEREE_LINK_DAYS = 21
    REFEREE_REMINDER_DAYS = 7
    REFEREE_MAX_REMINDERS = 2
    PASSWORD_RESET_MAX_AGE = 3600
    # The link that lets the owner of an imported account choose a password, in days: they
    # did not ask for it and may read the mail days later (docs/branches-and-people.md).
    ACCOUNT_ACTIVATION_MAX_AGE_DAYS = 7
    # Personal data (docs/privacy.md): a person's "download my data" per account; the years
    # the evidence of an unsuccessful application is kept (the privacy notice says so).
    DATA_EXPORT_LIMIT = "3 per hour"
    RETENTION_UNSUCCESSFUL_EVIDENCE_YEARS = 3
    # The largest CSV or XLSX of people imported at once (certify/users/imports.py).
    PEOPLE_IMPORT_MAX_BYTES = 2 * 1024 * 1024
    # The public API and bulk checks, per client address.
    API_RATE_LIMIT = "120 per minute"
    # The public verification pages, credentials, PDFs and status lists, per client address.
    PUBLIC_RATE_LIMIT = "300 per minute"
    # The public register (docs/register.md), per client address: its pages, and its CSV
    # export for accreditors (each export reads the whole filtered register).
    PUBLIC_REGISTER_RATE_LIMIT = "60 per minute"
    PUBLIC_REGISTER_EXPORT_RATE_LIMIT = "30 per hour"
    # Public verification answers kept ready in Redis for every worker (core/public_cache.py),
    # e.g. redis://127.0.0.1:6379/1; unset, every answer is read from the database. Every
    # process that writes (web, CLI, cron) needs the same value, so its changes reach the cache.
    PUBLIC_CACHE_URL: str | None = None
    PUBLIC_CACHE_KEY_PREFIX = "certify"
    # The longest an answer is kept; changes made through the application show at once.
    PUBLIC_CACHE_SECONDS = 60
    # Staff figures that take seconds (a competition's analytics) are kept in the same Redis
    # under a fingerprint of their data (core/computed_cache.py): a change shows at once; this
    # only bounds how long an entry nobody asks for again stays.
    COMPUTED_CACHE_SECONDS = 24 * 3600
    API_MAX_CREDENTIAL_BYTES = 256 * 1024

    # argon2id parameters: OWASP ASVS 5.0 Appendix C asks for m >= 19 MiB, t >= 2, p = 1.
    ARGON2_TIME_COST = 2
    ARGON2_MEMORY_COST_KIB = 19 * 1024
    ARGON2_PARALLELISM = 1
    PASSWORD_MIN_LENGTH = 12
    # Administrators, coordinators and reviewers must use a second factor (TOTP).
    REQUIRE_SECOND_FACTOR = True
    PASSWORD_MAX_LENGTH = 256

    # The awards' titles as printed and shown; the centre approves the wording, so it is
    # configuration (CERTIFY_AWARD_TITLES as JSON), not code.
    AWARD_TITLES = {
        "professor": {"en": "UNESCO Professor of Mining Engineering",
                      "ru": "Профессор ЮНЕСКО горного дела",
                      "kk": "ЮНЕСКО тау-кен ісі профессоры"},
        "engineer": {"en": "Certified Mining Engineer",
                     "ru": "Сертифицированный горный инженер",
                     "kk": "Сертификатталған тау-кен инженері"},
    }
    CERTIFICATE_VALIDITY_YEARS = 5
    # The printed certificate (docs/certificate-pdf.md). The Centre's emblem, an SVG or PNG
    # file (a relative path is read from the instance folder); unset, a neutral placeholder
    # shipped in certify/certificates/emblems/. Not a UNESCO logo: its use needs UNESCO's
    # permission.
    CERTIFICATE_CENTRE_EMBLEM: str | None = None
    # The folder of branch emblems, <BRANCH CODE>.svg or .png (default: the instance folder's
    # emblems/); a branch without one gets the neutral placeholder.
    CERTIFICATE_BRANCH_EMBLEMS: str | None = None
    # Who signs, in order: [{"name": ..., "title": ..., "signature": "file.png",
    # "branches": ["KZ"]}], name and title a text or {"en": ..., "ru": ..., "kk": ...};
    # signature (an SVG or PNG) and branches (whose certificates they sign) are optional.
    CERTIFICATE_SIGNATORIES: tuple[dict, ...] = ()
    # The address the public reaches this site at (CERTIFY_PUBLIC_BASE_URL): credentials, QR
    # codes, status lists, share links, mails and the API name it, so production must set it
    # and will not start without it. The demo and the tests default to LOCAL_BASE_URL.
    PUBLIC_BASE_URL: str | None = None
    # Outgoing mail (`flask send-outbox`); without MAIL_SERVER messages go to the log.
    MAIL_SERVER: str | None = None
    MAIL_PORT = 25
    MAIL_USE_TLS = False
    MAIL_USERNAME: str | None = None
    MAIL_PASSWORD: str | None = None
    MAIL_FROM = "certify@localhost"
    MAIL_TIMEOUT = 30  # seconds per SMTP connection
    MAIL_CA_FILE: str | None = None  # STARTTLS: trust this CA file instead of the system's
    # Delivery failures: retried after 1, 2, 4 … minutes (at most an hour apart); after
    # MAIL_MAX_ATTEMPTS, or at once on a permanent (5xx) refusal, the message is marked failed
    # for an administrator to see and retry (/admin/outbox).
    # Background jobs (certify/core/jobs.py): the RQ queue's Redis, e.g. redis://127.0.0.1:6379/2;
    # unset, a job runs at once in the request that starts it (the demo).
    JOBS_REDIS_URL: str | None = None
    JOBS_QUEUE = "certify"
    JOB_RESULTS_DIR: str | None = None  # the files jobs prepare; default instance/job-results
    JOB_TIMEOUT_SECONDS = 1800
    PUBLIC_JOB_HOURS = 24  # how long the link to a job without an owner (bulk verify) opens it
    # Bulk verification: up to VERIFY_JOB_ROWS numbers are checked in the request; a longer list,
    # up to VERIFY_JOB_MAX_ROWS, as a background job.
    VERIFY_JOB_ROWS = 1000
    VERIFY_JOB_MAX_ROWS = 50_000
    # A competition export of more ratings than this is offered as a background job.
    EXPORT_JOB_ROWS = 5000
    # A list counts its rows up to this many; past it, "more than" (certify/core/listing.py).
    LIST_COUNT_LIMIT = 10_000
    MAIL_MAX_ATTEMPTS = 6
    MAIL_RETRY_SECONDS = 60
    # Status alerts (docs/status-alerts.md): subscriptions per client address, how long a
    # confirmation link works, and the webhooks' timeout, attempts and first back-off (doubled
    # each time, at most an hour). WEBHOOKS_ALLOW_PRIVATE lets webhooks reach private and
    # loopback addresses over plain http: for tests and a local demo only, never in production.
    ALERTS_RATE_LIMIT = "10 per hour"
    ALERTS_CONFIRM_DAYS = 7
    WEBHOOKS_ALLOW_PRIVATE = False
    WEBHOOK_TIMEOUT_SECONDS = 10
    WEBHOOK_MAX_ATTEMPTS = 5
    WEBHOOK_RETRY_SECONDS = 60
    RENEWAL_REMINDER_DAYS = (90, 30)
    # A renewal may be requested in the last days of a certificate's validity, not years ahead.
    RENEWAL_WINDOW_DAYS = 180
    # More than this many years after expiry, renewal is refused: a full application is
    # needed (domain_anchors.md §3.4 rule 9).
    RENEWAL_LAPSE_YEARS = 3
    # The CPD log (docs/cpd.md): the categories a holder chooses from, per track, and the rules
    # a renewal is checked against (CERTIFY_CPD_RULES / CERTIFY_CPD_CATEGORIES as JSON).
    CPD_CATEGORIES = {
        "engineer": ["area_of_practice", "risk_and_safety", "management", "professional_ethics"],
        "professor": ["teaching_practice", "research", "industry_engagement", "area_of_practice"],
    }
    CPD_RULES = {
        "engineer": {"years": 3, "total_hours": 150,
                     "minimum_hours": {"area_of_practice": 50, "risk_and_safety": 10,
                                       "professional_ethics": 5}},
        "professor": {"years": 3, "total_hours": 150,
                      "minimum_hours": {"teaching_practice": 30, "industry_engagement": 20,
                                        "area_of_practice": 30}},
    }
    CPD_MAX_ENTRY_HOURS = 300  # one entry: a course or a project, not a whole career
    # The yearly random audit (domain §3.4 rule 9: 5–10 %): the share drawn when `flask cpd
    # draw-audit` is given no --rate, and the outcomes that suspend after their deadline.
    CPD_AUDIT_RATE = 0.05
    CPD_AUDIT_SUSPEND_OUTCOMES = ("more_evidence", "not_accepted")
    APPEAL_DAYS = 30
    REVISION_DAYS = 28  # "revise and resubmit": time given to the candidate
    # Share of awards drawn at random for a second check by another administrator.
    MODERATION_SAMPLE = 0.2
    # Evidence uploads: stored outside the web root (default: the instance folder's uploads/).
    UPLOAD_DIR: str | None = None
    MAX_FILE_BYTES = 10 * 1024 * 1024
    MAX_APPLICATION_BYTES = 50 * 1024 * 1024
    MAX_CONTENT_LENGTH = 12 * 1024 * 1024  # a request: one file and the form around it
    # Where issuer private keys live (default: the instance folder's keys/), never in git.
    SIGNING_KEY_DIR: str | None = None
    # Public keys (multibase 'z6Mk…') whose signatures on backups and audit checkpoints are
    # believed besides the keys in SIGNING_KEY_DIR, e.g. the old instance's key when restoring
    # into a new one: CERTIFY_TRUSTED_SIGNING_KEYS='["z6Mk…"]'.
    TRUSTED_SIGNING_KEYS: tuple[str, ...] = ()
    # Processes that check the certificates' signatures during backup and restore (None: one
    # per core; 1: in the command's own process). See docs/deployment.md, Backup and restore.
    BACKUP_VERIFY_PROCESSES: int | None = None
    # The issuer's name per language (CERTIFY_ISSUER_NAME as JSON; a plain string serves all).
    # Signed documents name it in English; pages and PDFs in the reader's language.
    ISSUER_NAME = {
        "en": "International Competence Centre for Mining-Engineering Education",
        "ru": "Международный центр компетенций в горнотехническом образовании",
        "kk": "Тау-кен техникалық білім берудегі халықаралық құзыреттілік орталығы",
    }



class TestConfig(Config):
    TESTING = True
    WTF_CSRF_ENABLED = False
    SESSION_COOKIE_SECURE = False
    REMEMBER_COOKIE_SECURE = False
    SECRET_KEY = "test-secret-key-not-for-production"  # tests only  # noqa: S105  # nosec B105
    PUBLIC_BASE_URL = LOCAL_BASE_URL
    # Cheaper hashing keeps the suite fast; tests/users/test_auth.py pins the production defaults.
    ARGON2_TIME_COST = 1
    ARGON2_MEMORY_COST_KIB = 1024
    # Tests draw moderation themselves (tests/assessments/test_workflow.py).
    MODERATION_SAMPLE = 0.0
    # Files go to review without referees unless a test asks for them
    # (tests/assessments/test_referees.py).
    REFEREE_REQUIREMENTS: dict = {}
    # Tests of other features log staff in with a password; tests/users/test_totp.py turns
    # the second factor on.
    REQUIRE_SECOND_FACTOR = False
    # A pool costs a second to start; tests/web/test_backup.py runs one with two processes.
    BACKUP_VERIFY_PROCESSES = 1
    # Webhook receivers in tests listen on 127.0.0.1 (tests/alerts).
    WEBHOOKS_ALLOW_PRIVATE = True
