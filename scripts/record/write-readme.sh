#!/usr/bin/env bash
# Regenerate test-vectors/README.md from the meta.json files written by the recorders.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
need jq dpkg-query
R="$VECTORS/README.md"
{
cat <<'HDR'
# bootproof test vectors (real, recorded)

Everything here was recorded from real software TPMs (swtpm/libtpms) and real firmware (Debian's
OVMF under QEMU TCG) by `scripts/record/record-all.sh` on Debian 12. CI does not re-record; it
uses these files. Re-recording changes every key, nonce and signature (nothing is byte-reproducible).
Each directory has a `meta.json` with the exact commands, key type, scheme, hash, selection and
the differential-check results. The test CA's private key is NOT committed (only its certificate).

File formats: `ak.pub`/`ek.pub` = TPM2B_PUBLIC; `ak.name` = TPM2B_NAME body (nameAlg || digest);
`quote.msg` = TPMS_ATTEST (starts ff544347); `quote.sig` = TPMT_SIGNATURE; `quote.pcrs` = tpm2-tools
serialized PCR file (TPML_PCR_SELECTION then TPML_DIGEST arrays, little-endian host);
`nonce.hex` = qualifyingData in lowercase hex; `pcrs.json` = `{"<bank>":{"<pcr>":"<lowercase hex>"}}`;
`binary_bios_measurements` = TCG PC Client crypto-agile event log as exposed by Linux securityfs.

Tool versions (`dpkg -l swtpm tpm2-tools qemu-system-x86 ovmf`):
HDR
dpkg-query -W -f='- ${Package} ${Version}\n' swtpm swtpm-tools tpm2-tools qemu-system-x86 ovmf linux-image-amd64 \
  busybox-static shim-signed grub-efi-amd64-signed openssl 2>/dev/null
echo "- kernel booted: $(ls /boot/vmlinuz-* | sed 's|/boot/vmlinuz-||' | sort -V | tail -1)"
echo
echo "## Vectors (one line each)"
echo
for m in "$VECTORS"/quotes/*/meta.json; do
  d=$(basename "$(dirname "$m")")
  case "$d" in certs|credential|tpmstate) continue ;; esac
  jq -r --arg d "$d" '"- `quotes/\($d)/`: record-quotes.sh on swtpm (127.0.0.1) - `tpm2_createak -C 0x81010001 -G \(.key.createak_G) -g \(.key.hash) -s \(.key.scheme)`, PCRs extended with tpm2_pcrevent/tpm2_pcrextend, then `tpm2_quote -l \(.quote.selection) -g \(.quote.sign_hash)\(if .quote.nonce_hex == "" then " (no -q: EMPTY nonce)" else " -q <random 32-byte nonce.hex>" end)\(if .key.scheme == "rsapss" then " --scheme rsapss" else "" end)`; pcrs.json from tpm2_pcrread; tpm2_checkquote: **\(.checks.tpm2_checkquote)**, openssl signature check: **\(.checks.openssl_signature)**\(if .note != "" then ". " + .note else "" end)."' "$m"
done
ls "$VECTORS"/quotes/*/ak-cert.pem >/dev/null 2>&1 && for c in "$VECTORS"/quotes/*/ak-cert.pem; do
  echo "- \`quotes/$(basename "$(dirname "$c")")/ak-cert.pem\`: AK certificate issued by record-quotes.sh with \`openssl x509 -req -force_pubkey ak.pem\` from a throwaway CSR, signed by the local test CA \`quotes/certs/test-ak-ca.pem\` (P-256, key not committed); empty subject, critical SAN dirName with tcg-at-tpmManufacturer/Model/Version, EKU 2.23.133.8.3, CA:FALSE (copy in \`quotes/certs/ak-*.pem\`)."
done
echo "- \`quotes/certs/ek-rsa.pem\`, \`ek-ecc.pem\`: EK certificates read with \`tpm2_nvread 0x01c00002\` (RSA-2048) and \`0x01c00016\` (ECC P-384) from the quote TPM, made by swtpm_setup --create-ek-cert via swtpm-localca; \`ek-*.pub\` (TPM2B_PUBLIC) / \`ek-*.pub.pem\` from \`tpm2_readpublic -c 0x81010001|0x81010016\`; \`platform-cert.der\` = NV 0x01c08000 (attribute certificate, DER)."
echo "- \`quotes/certs/swtpm-localca-rootca.pem\`, \`swtpm-localca-issuer.pem\`: copied from /var/lib/swtpm-localca (root CA and intermediate that signed every EK cert here, including the OVMF TPMs' EK certs); \`openssl verify\` of both EK certs against them passed at recording time."
echo "- \`quotes/credential/\`: $(jq -r '"`tpm2_makecredential -T none -u ek.pub -s secret.bin -n <ak.name>` (tpm2-tools blob format 0xBADCC0DE v1) against the RSA EK; `tpm2_activatecredential` with a PolicySecret(endorsement) session recovered the secret: **\(.activatecredential_recovered_secret)**. AK = quotes/rsassa-sha256 (persistent 0x81010002)."' "$VECTORS/quotes/credential/meta.json")"
echo "- \`quotes/tpmstate/tpm2-00.permall\`: the swtpm NVRAM state of the quote TPM (EK 0x81010001 RSA, 0x81010016 ECC, AK 0x81010002, EK certs in NV). \`scripts/record/activate-credential.sh BLOB [SECRET]\` runs tpm2_activatecredential on a copy of it, e.g. for a credential made by bootproof's TypeScript MakeCredential."
for m in "$VECTORS"/ovmf/*/meta.json; do
  d=$(basename "$(dirname "$m")")
  jq -r --arg d "$d" '"- `ovmf/\($d)/`: record-ovmf.sh - qemu q35 -accel tcg, \(.firmware.code) + copy of \(.firmware.vars_template) (Secure Boot \(if .firmware.secure_boot then "on" else "off" end)), swtpm over a unix socket (no startup flags), boot: \(.boot); busybox initramfs /init base64-printed binary_bios_measurements, IMA lists and /sys/class/tpm/tpm0/pcr-*/* on the serial console (decoded on the host) and took in-guest tpm2_quote over /dev/tpmrm0 (`quote/`: RSA AK over sha256:0-9 and ECDSA P-256 AK over sha1+sha256+sha384 0-9, fixed nonce \(.in_guest_quote.nonce_hex)); host tpm2_checkquote: \(.in_guest_quote.host_tpm2_checkquote.quote)/\(.in_guest_quote.host_tpm2_checkquote.quote2); log replay vs sysfs PCRs mismatching: \(.replay_vs_sysfs["scripts/record/replay-log.mjs"].mismatching // "n/a" | tostring) (tpm2_eventlog rc \(.replay_vs_sysfs.tpm2_eventlog.rc)); `tpmstate/` = swtpm state after the boot with the in-guest AK persisted at 0x81010002, `credential/` MakeCredential to quote/ek.pub activated on it: \(.credential.activatecredential_on_saved_tpmstate). \(.note)"' "$m"
done
[[ -d $VECTORS/synthetic ]] && echo "- \`synthetic/\`: NOT recorded by scripts/record (made by scripts/make-synthetic-vectors.ts; see synthetic/README.md)."
[[ -d $VECTORS/demo ]] && echo "- \`demo/evidence.json\`: the evidence bundle \`npm run demo\` verifies, assembled by scripts/make-demo-bundle.ts from \`ovmf/sb-esp\` (its log, the in-guest RSA AK quote over sha256:0-9, the AK public area and the nonce); regenerate it after re-recording."
} >"$R"
log "wrote $R"
