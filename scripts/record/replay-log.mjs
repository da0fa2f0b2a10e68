#!/usr/bin/env node
// Independent replay of a TCG PC Client crypto-agile event log (binary_bios_measurements),
// used by record-ovmf.sh to cross-check the guest's sysfs PCRs (tpm2_eventlog 5.4 fails on
// some logs). Usage: node replay-log.mjs LOG  -> JSON {events, types, replay:{bank:{pcr:hex}}}
import { readFileSync } from "node:fs";
import { createHash } from "node:crypto";

const buf = readFileSync(process.argv[2]);
const ALGS = { 0x0004: ["sha1", 20], 0x000b: ["sha256", 32], 0x000c: ["sha384", 48], 0x000d: ["sha512", 64], 0x0012: ["sm3_256", 32] };
let off = 0;
const u32 = () => { const v = buf.readUInt32LE(off); off += 4; return v; };
const u16 = () => { const v = buf.readUInt16LE(off); off += 2; return v; };
// first event: TCG_PCR_EVENT (SHA-1 format) carrying the Spec ID event
const pcr0 = u32(), type0 = u32(); off += 20; const sz0 = u32(); const spec = buf.subarray(off, off + sz0); off += sz0;
if (type0 !== 3 || spec.subarray(0, 16).toString("latin1") !== "Spec ID Event03\0") throw new Error("not a crypto-agile log");
const nAlg = spec.readUInt32LE(24);
const sizes = {};
for (let i = 0; i < nAlg; i++) sizes[spec.readUInt16LE(28 + 4 * i)] = spec.readUInt16LE(30 + 4 * i);
const pcrs = {}, types = {}, pcr4Apps = [];
let events = 1, locality = 0;
const init = (bank, len, idx) => { pcrs[bank] ??= {}; pcrs[bank][idx] ??= Buffer.alloc(len, idx >= 17 && idx <= 22 ? 0xff : 0); };
while (off + 8 <= buf.length) {
  const idx = u32(), type = u32(), count = u32();
  const digs = [];
  for (let i = 0; i < count; i++) { const alg = u16(); const len = sizes[alg]; digs.push([alg, buf.subarray(off, off + len)]); off += len; }
  const esz = u32(); const data = buf.subarray(off, off + esz); off += esz;
  events++; types[type] = (types[type] || 0) + 1;
  if (type === 3) { // EV_NO_ACTION: StartupLocality sets PCR 0's initial value
    if (data.subarray(0, 16).toString("latin1") === "StartupLocality\0") locality = data[16];
    continue;
  }
  if (idx === 4 && type === 0x80000003) pcr4Apps.push(digs.find(([a]) => a === 0x000b)?.[1].toString("hex"));
  for (const [alg, d] of digs) {
    const [bank, len] = ALGS[alg] ?? [`alg${alg}`, d.length];
    init(bank, len, idx);
    if (idx === 0 && locality && !pcrs[bank].__loc) { pcrs[bank][0] = Buffer.alloc(len); pcrs[bank][0][len - 1] = locality; }
    pcrs[bank][idx] = createHash(bank).update(Buffer.concat([pcrs[bank][idx], d])).digest();
  }
}
const replay = {};
for (const [bank, m] of Object.entries(pcrs)) { replay[bank] = {}; for (const [k, v] of Object.entries(m)) replay[bank][k] = v.toString("hex"); }
console.log(JSON.stringify({ events, trailing_bytes: buf.length - off, algorithms: Object.keys(sizes).map(Number), event_types: types, pcr4_boot_services_application_sha256: pcr4Apps, replay }));
