"""A served worker is warmed before its first request (certify/web/warm_up.py): every template
compiled, one certificate verified in each language from the database, past the public cache,
which it leaves as it was; and nothing stops a worker on a database it cannot read."""

from __future__ import annotations

import gc

from certify.certificates.models import Certificate
from certify.core.extensions import db
from certify.web.warm_up import TEMPLATE_SUFFIXES, UNKNOWN_NUMBER, create_served_app, warm_up


def _compiled(app) -> set[str]:
    # Jinja keeps a compiled template under (its loader's weak reference, its name).
    return {name for _loader, name in app.jinja_env.cache}


def test_warm_up_compiles_every_template_and_verifies_in_each_language(app, cache, award,
                                                                      in_app):
    award()
    number = in_app(lambda: db.session.scalar(
        db.select(Certificate.number).order_by(Certificate.id.desc())))
    app.jinja_env.cache.clear()
    generation_before = cache.client.get(cache.generation_key)

    took = warm_up(app)

    templates = {name for name in app.jinja_env.list_templates()
                 if name.endswith(TEMPLATE_SUFFIXES)}
    assert "certificates/verify.html" in templates
    assert templates <= _compiled(app)
    assert set(took) == {"templates", "catalogues", "verification"}
    # The public cache was set aside: no answer stored, no generation moved (the signature
    # check the award kept is elsewhere, with the computed figures: proof_memory).
    assert not [key for key in cache.client.scan_iter(f"{cache.prefix}:*")
                if key != cache.generation_key.encode()]
    assert cache.client.get(cache.generation_key) == generation_before
    assert app.extensions["certify_public_cache"] is cache  # and put back
    # What the warm-up asked, answered as a visitor would be: the page in each language.
    client = app.test_client()
    for language, title in (("en", "This certificate is genuine and valid."),
                            ("ru", "Этот сертификат подлинный и действителен."),
                            ("kk", "Бұл сертификат түпнұсқа және жарамды.")):
        page = client.get(f"/verify/{number}", headers={"Accept-Language": language})
        assert page.status_code == 200
        assert title in page.text
    assert client.get(f"/verify/{UNKNOWN_NUMBER}").status_code == 404


def test_verification_answers_of_the_warm_up(app, award, in_app):
    from certify.web.warm_up import _verify_once

    assert _verify_once(app) == [404] * len(app.config["LANGUAGES"])  # no certificate yet
    award()
    assert _verify_once(app) == [404, 200, 200] * len(app.config["LANGUAGES"])


def test_a_worker_on_an_unmigrated_database_still_starts(tmp_path):
    gc.unfreeze()
    served = create_served_app({"TESTING": True,
                                "DATABASE_URL": f"sqlite:///{tmp_path / 'empty.db'}",
                                "SQLALCHEMY_ENGINE_OPTIONS": {}})
    served.instance_path = str(tmp_path / "instance")
    assert served.test_client().get("/healthz").status_code == 200
    # What the warmed worker holds is out of the full collections' way.
    assert gc.get_freeze_count() > 10_000
    gc.unfreeze()  # the test process goes on collecting as before
