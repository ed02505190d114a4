"""The fast RDF canonicalisation path (certify/certificates/rdfc.py: one expansion, the
non-propagating contexts processed once) gives exactly what pyld's own, plain ``normalize``
gives: on every W3C vector in ``vectors/``, on our example credential and its proof
configuration, and on credentials generated at random from it. And it is fast for the reason
it claims: a second credential of the same shape has no context processed again."""

from __future__ import annotations

import copy
import json
import random
from pathlib import Path

import pytest
from pyld import context_resolver, jsonld

from certify.certificates import rdfc
from certify.certificates.offline_contexts import (
    EMBEDDED_CONTEXTS_KEPT,
    RESOLVED_CONTEXTS_KEPT,
    OfflineContexts,
)
from tests.support.w3c_vectors import EXAMPLES_CONTEXT, VECTORS, load, unsigned

EXAMPLE = Path(rdfc.__file__).parent / "examples" / "credential.json"
SCRIPTS = ["Aigerim Sadykova", "Айгерим Садыкова", "Әйгерім Сәдуақасқызы", "O'Brien \"Jr\"",
           "名前", "emoji 🎓 and\ttab\nnewline", ""]


def extra_contexts() -> dict:
    return {EXAMPLES_CONTEXT: json.loads((VECTORS / "credentials-examples-v2.jsonld").read_text())}


def reference_nquads(document: dict) -> str:
    """pyld's own canonicalisation, with a loader of its own (nothing of ours cached)."""
    loader = OfflineContexts(extra_contexts())
    return jsonld.normalize(copy.deepcopy(document), {
        "algorithm": "URDNA2015", "format": "application/n-quads",
        "documentLoader": loader, "base": None})


def fast_nquads(document: dict) -> str:
    return rdfc.canonical_nquads(document, FAST_LOADER)


FAST_LOADER = OfflineContexts(extra_contexts())


def example() -> dict:
    return json.loads(EXAMPLE.read_text())


def vector_documents() -> list[tuple[str, dict]]:
    documents = []
    for name in ("eddsa-rdfc-2022/signedDataInt.json", "eddsa-jcs-2022/signedJCS.json",
                 "proof-set/signedProofSet2.json"):
        signed = load(name)
        documents.append((name, unsigned(signed)))
        for number, proof in enumerate(signed["proof"] if isinstance(signed["proof"], list)
                                       else [signed["proof"]]):
            documents.append((f"{name} proof {number}",
                              rdfc.proof_configuration(unsigned(signed), proof)))
    documents.append(("eddsa-rdfc-2022/proofConfigDataInt.json",
                      load("eddsa-rdfc-2022/proofConfigDataInt.json")))
    documents.append(("unsigned.json", load("unsigned.json")))
    credential = example()
    documents.append(("example credential", unsigned(credential)))
    documents.extend((f"example proof {number}", rdfc.proof_configuration(unsigned(credential),
                                                                          proof))
                     for number, proof in enumerate(credential["proof"]))
    return documents


@pytest.mark.parametrize(("name", "document"), vector_documents(),
                         ids=[name for name, _ in vector_documents()])
def test_the_fast_path_equals_pyld_on_every_vector(name, document):
    assert fast_nquads(document) == reference_nquads(document)


def random_credential(seed: int) -> dict:
    """The example credential with what varies between certificates varied at random: names in
    several scripts, numbers, dates, how many related languages, identifiers and evidence
    items, optional parts present or not, a second status entry, another achievement type."""
    chance = random.Random(seed)
    document = unsigned(example())
    subject = document["credentialSubject"]
    achievement = subject["achievement"]
    number = f"UPME-{chance.choice(['KZ', 'RU'])}-{chance.randint(2020, 2040)}-{seed:06d}"
    subject["licenseNumber"] = number
    subject["identifier"][0]["identityHash"] = chance.choice(SCRIPTS)
    subject["identifier"] = subject["identifier"][:chance.randint(1, 2)]
    achievement["name"] = document["name"] = chance.choice(SCRIPTS) or "Engineer"
    achievement["achievementType"] = chance.choice(["Certification", "License", "Award"])
    achievement["related"] = achievement["related"][:chance.randint(0, 2)]
    achievement["tag"] = [chance.choice(SCRIPTS) for _ in range(chance.randint(1, 4))]
    if chance.random() < 0.5:
        del achievement["image"]
    document["evidence"] = [{"id": f"https://certify.example.org/verify/{number}/{item}",
                             "name": chance.choice(SCRIPTS), "type": ["Evidence"]}
                            for item in range(chance.randint(0, 3))] or document["evidence"]
    day = f"20{chance.randint(20, 39)}-{chance.randint(1, 12):02d}-{chance.randint(1, 28):02d}"
    document["validFrom"] = document["awardedDate"] = f"{day}T09:30:00Z"
    if chance.random() < 0.5:
        document.pop("validUntil", None)
    if chance.random() < 0.5:
        status = document["credentialStatus"]
        suspension = {**status, "statusPurpose": "suspension",
                      "id": status["id"].replace("revocation", "suspension"),
                      "statusListCredential": status["statusListCredential"].replace(
                          "revocation", "suspension")}
        document["credentialStatus"] = [status, suspension]
    document["id"] = f"urn:uuid:{chance.getrandbits(128):032x}"
    return document


@pytest.mark.parametrize("seed", range(25))
def test_the_fast_path_equals_pyld_on_random_credentials(seed):
    document = random_credential(seed)
    assert fast_nquads(document) == reference_nquads(document)
    proof = {"type": "DataIntegrityProof", "cryptosuite": rdfc.CRYPTOSUITE,
             "created": document["validFrom"], "proofPurpose": "assertionMethod",
             "verificationMethod": f"did:web:certify.example.org#z6Mk{seed}"}
    configuration = rdfc.proof_configuration(document, proof)
    assert fast_nquads(configuration) == reference_nquads(configuration)


def test_a_second_credential_has_no_context_processed_again(monkeypatch):
    """Today's defect: pyld processed every Open Badges type's context again for every object
    of every credential (about 140 term definitions a credential), and found each scoped
    context in its cache by the context's JCS text, made anew each time. Now the second
    credential of the same shape defines no term and canonicalises no context."""
    loader = OfflineContexts()
    rdfc.canonical_nquads(random_credential(1), loader)
    definitions = []
    create = jsonld.JsonLdProcessor._create_term_definition

    def counted(self, *args, **kwargs):
        definitions.append(args[2])
        return create(self, *args, **kwargs)

    keyed = []
    canonicalize = context_resolver.canonicalize

    def keyed_by_text(context):
        keyed.append(context)
        return canonicalize(context)

    monkeypatch.setattr(jsonld.JsonLdProcessor, "_create_term_definition", counted)
    monkeypatch.setattr(context_resolver, "canonicalize", keyed_by_text)
    rdfc.canonical_nquads(random_credential(1) | {"id": "urn:uuid:other"}, loader)
    assert definitions == []
    assert keyed == []  # nor a scoped context looked up by its JCS text (offline_contexts)


def test_safe_mode_still_refuses_a_dropped_term_after_the_cache_is_warm():
    rdfc.canonical_nquads(random_credential(2), FAST_LOADER)
    changed = random_credential(2)
    changed["credentialSubject"]["achievement"]["undefinedTerm"] = "dropped"
    with pytest.raises(rdfc.CanonicalizationError, match="undefinedTerm"):
        rdfc.canonical_nquads(changed, FAST_LOADER)


def test_inline_contexts_a_visitor_sends_are_kept_in_bounded_caches():
    """The loader lives as long as the process and answers POST /api/v1/verify: a stream of
    credentials each with a new inline context must not grow what it keeps."""
    loader = OfflineContexts()
    for number in range(200):
        document = random_credential(3)
        document["@context"] = [*document["@context"], {f"term{number}": f"urn:example:{number}"}]
        document["credentialSubject"][f"term{number}"] = "kept"
        rdfc.canonical_nquads(document, loader)
    resolver = loader.resolver
    assert len(resolver.per_op_cache) <= RESOLVED_CONTEXTS_KEPT
    assert len(resolver.shared_cache) <= RESOLVED_CONTEXTS_KEPT
    assert len(resolver.embedded) <= EMBEDDED_CONTEXTS_KEPT
