// Fetches from a running certify what verify.mjs judges (the only step that uses the network):
// the credentials of the given certificate numbers, the status lists they name, the issuer
// profile and the DID document when the app serves one.
//
//   node collect.mjs BASE_URL OUT_DIR NUMBER...     (then: node verify.mjs OUT_DIR)
//
// The pytest module tests/certificates/test_interop.py builds the same directory with the test
// client instead.
import fs from 'node:fs';
import path from 'node:path';

const [baseUrl, outDir, ...numbers] = process.argv.slice(2);
if(!baseUrl || !outDir || numbers.length === 0) {
  process.stderr.write('usage: node collect.mjs BASE_URL OUT_DIR NUMBER...\n');
  process.exit(2);
}

async function get(url, {optional = false} = {}) {
  const response = await fetch(url, {headers: {accept: 'application/ld+json, application/json'}});
  if(!response.ok) {
    if(optional) {
      return undefined;
    }
    throw new Error(`${url} answered ${response.status}`);
  }
  return response.json();
}

function save(name, document) {
  fs.mkdirSync(path.join(outDir, path.dirname(name)), {recursive: true});
  fs.writeFileSync(path.join(outDir, name), JSON.stringify(document, null, 1));
}

const root = baseUrl.replace(/\/$/, '');
const addresses = new Set();
for(const number of numbers) {
  const credential = await get(`${root}/certificates/${encodeURIComponent(number)}/credential.json`);
  save(`credentials/${number}.json`, credential);
  for(const entry of [].concat(credential.credentialStatus ?? [])) {
    addresses.add(entry.statusListCredential);
  }
  const issuer = credential.issuer?.id ?? credential.issuer;
  if(issuer.startsWith('http')) {
    addresses.add(issuer);
  }
}
const served = {};
for(const [index, address] of [...addresses].sort().entries()) {
  save(`served/${index}.json`, await get(address));
  served[address] = `served/${index}.json`;
}
save('served.json', served);
save('documents/issuer.json', await get(`${root}/issuer`));
const did = await get(`${root}/.well-known/did.json`, {optional: true});
if(did) {
  save('documents/did.json', did);  // verify.mjs serves it at its did:web address
  process.stdout.write(`DID document ${did.id}\n`);
}
process.stdout.write(`${numbers.length} credential(s) and ${addresses.size} document(s) ` +
  `in ${outDir}\n`);
