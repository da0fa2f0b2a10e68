#!/usr/bin/env bash
# Record real TPM2 quotes, EK/AK certificates and a credential-activation vector
# from a freshly manufactured swtpm, using tpm2-tools.
#
# Outputs (copied at the end, replacing the previous set):
#   test-vectors/quotes/<name>/        one directory per quote vector
#   test-vectors/quotes/certs/         EK certs, swtpm-localca CA certs, test AK CA + AK cert
#   test-vectors/quotes/credential/    MakeCredential / ActivateCredential vector
#   test-vectors/quotes/tpmstate/      the swtpm state (EK 0x81010001, AK 0x81010002 persistent)
#
# swtpm listens only on 127.0.0.1. Idempotent: everything is built in a temp dir first.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
need swtpm swtpm_setup tpm2_createak tpm2_quote tpm2_checkquote tpm2_pcrread tpm2_pcrevent \
     tpm2_pcrextend tpm2_nvread tpm2_makecredential tpm2_activatecredential openssl jq xxd

PORT="${SWTPM_PORT:-23210}"
WORK="$(mktemp -d /tmp/bootproof-quotes.XXXXXX)"
OUT="$WORK/out"
STATE="$WORK/tpmstate"
mkdir -p "$OUT/certs" "$OUT/credential" "$STATE"
export TPM2TOOLS_TCTI="swtpm:host=127.0.0.1,port=$PORT"

cleanup() {
  if [[ -f "$STATE/pid" ]]; then kill "$(cat "$STATE/pid")" 2>/dev/null || true; fi
  if [[ "${KEEP_WORK:-0}" != 1 ]]; then rm -rf "$WORK"; else log "kept $WORK"; fi
}
trap cleanup EXIT

flush() { tpm2_flushcontext -t >/dev/null; tpm2_flushcontext -s >/dev/null 2>&1 || true; }

log "manufacturing swtpm state in $STATE"
swtpm_setup --tpm2 --tpmstate "$STATE" --create-ek-cert --create-platform-cert --overwrite \
  --pcr-banks sha1,sha256,sha384 >"$WORK/swtpm_setup.log" 2>&1 || { cat "$WORK/swtpm_setup.log"; die "swtpm_setup failed"; }

start_tpm() {
  swtpm socket --tpm2 --tpmstate dir="$STATE" \
    --server type=tcp,port="$PORT",bindaddr=127.0.0.1 \
    --ctrl type=tcp,port=$((PORT + 1)),bindaddr=127.0.0.1 \
    --flags not-need-init,startup-clear --daemon --pid file="$STATE/pid"
  for _ in $(seq 50); do tpm2_getrandom 4 >/dev/null 2>&1 && return 0; sleep 0.1; done
  die "swtpm did not come up on 127.0.0.1:$PORT"
}
stop_tpm() {
  local pid; pid=$(cat "$STATE/pid")
  kill "$pid"; for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  rm -f "$STATE/pid"
}
start_tpm

# ---- PCRs: make them non-zero --------------------------------------------------------
log "extending PCRs"
echo -n "bootproof test event 0" >"$WORK/ev0"
for p in 0 1 2 3 4 5 7 8 9 14 16 23; do
  echo -n "bootproof test event for PCR $p" >"$WORK/ev$p"
  tpm2_pcrevent "$p" "$WORK/ev$p" >/dev/null
done
tpm2_pcrextend "7:sha1=$(printf '%040x' 7),sha256=$(printf '%064x' 7),sha384=$(printf '%096x' 7)"
tpm2_pcrextend "0:sha256=$(echo -n bootproof | openssl dgst -sha256 -r | cut -c1-64)"
flush

# ---- certificates ----------------------------------------------------------------------
log "reading EK certificates"
tpm2_nvread 0x01c00002 -o "$WORK/ek-rsa.der"
tpm2_nvread 0x01c00016 -o "$WORK/ek-ecc.der"
tpm2_nvread 0x01c08000 -o "$WORK/platform.der" || true
openssl x509 -inform der -in "$WORK/ek-rsa.der" -out "$OUT/certs/ek-rsa.pem"
openssl x509 -inform der -in "$WORK/ek-ecc.der" -out "$OUT/certs/ek-ecc.pem"
# the platform cert is an attribute certificate; keep it DER (openssl x509 cannot parse it)
[[ -s "$WORK/platform.der" ]] && cp "$WORK/platform.der" "$OUT/certs/platform-cert.der"
cp /var/lib/swtpm-localca/swtpm-localca-rootca-cert.pem "$OUT/certs/swtpm-localca-rootca.pem"
cp /var/lib/swtpm-localca/issuercert.pem "$OUT/certs/swtpm-localca-issuer.pem"
if openssl verify -CAfile "$OUT/certs/swtpm-localca-rootca.pem" -untrusted "$OUT/certs/swtpm-localca-issuer.pem" \
     "$OUT/certs/ek-rsa.pem" "$OUT/certs/ek-ecc.pem" >"$WORK/ekverify.txt" 2>&1; then EKV=ok; else EKV=fail; fi
log "EK chain verify: $EKV ($(tr '\n' ' ' <"$WORK/ekverify.txt"))"
tpm2_readpublic -c 0x81010001 -o "$OUT/certs/ek-rsa.pub" -f tss >/dev/null
tpm2_readpublic -c 0x81010001 -o "$OUT/certs/ek-rsa.pub.pem" -f pem >/dev/null
tpm2_readpublic -c 0x81010016 -o "$OUT/certs/ek-ecc.pub" -f tss >/dev/null
tpm2_readpublic -c 0x81010016 -o "$OUT/certs/ek-ecc.pub.pem" -f pem >/dev/null
flush

# ---- quotes ---------------------------------------------------------------------------
# name | createak -G | -g | -s | tpm2_quote -l | tpm2_quote -g | extra quote args
VECTORS_SPEC=(
  "rsassa-sha256|rsa2048|sha256|rsassa|sha256:0,1,2,3,4,5,6,7|sha256|"
  "rsapss-sha256|rsa2048|sha256|rsapss|sha256:0,1,2,3,4,5,6,7|sha256|--scheme rsapss"
  "ecdsa-p256-sha256|ecc256|sha256|ecdsa|sha256:0,1,2,3,4,5,6,7|sha256|"
  "ecdsa-p384-sha384|ecc384|sha384|ecdsa|sha384:0,1,2,3,4,5,6,7|sha384|"
  "banks-sha1-sha256|rsa2048|sha256|rsassa|sha1:0,1,2,3,4,5,6,7+sha256:0,1,2,3,4,5,6,7|sha256|"
  "bank-sha384|rsa2048|sha256|rsassa|sha384:0,1,2,3,4,5,6,7,8,9|sha256|"
  "sparse-sha256|rsa2048|sha256|rsassa|sha256:0,2,7,16|sha256|"
  "all24-sha256|rsa2048|sha256|rsassa|sha256:0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23|sha256|"
  "rsassa-sha384|rsa2048|sha384|rsassa|sha384:0,1,2,3,4,5,6,7|sha384|"
  "ecdsa-p256-sha256-bank-sha1|ecc256|sha256|ecdsa|sha1:0,1,2,3,4,5,6,7|sha256|"
  "empty-nonce-sha256|rsa2048|sha256|rsassa|sha256:0,1,2,3,4,5,6,7|sha256|EMPTY_NONCE"
)

# openssl cross-check of the signature over quote.msg (independent of tpm2-tools)
openssl_verify() { # dir scheme hash
  local d="$1" scheme="$2" hash="$3" raw="$WORK/sig.raw" der="$WORK/sig.der"
  case "$scheme" in
    rsassa|rsapss)
      # TPMT_SIGNATURE: sigAlg(2) hash(2) TPM2B size(2) sig
      tail -c +7 "$d/quote.sig" >"$raw"
      if [[ $scheme == rsapss ]]; then
        local hl; hl=$(openssl dgst -"$hash" -binary </dev/null | wc -c)
        openssl dgst -"$hash" -verify "$d/ak.pem" -sigopt rsa_padding_mode:pss \
          -sigopt rsa_pss_saltlen:"$hl" -signature "$raw" "$d/quote.msg" 2>&1
      else
        openssl dgst -"$hash" -verify "$d/ak.pem" -signature "$raw" "$d/quote.msg" 2>&1
      fi ;;
    ecdsa)
      # TPMT_SIGNATURE: sigAlg(2) hash(2) TPM2B r, TPM2B s  -> DER ECDSA-Sig-Value
      local hex rl r sl s
      hex=$(hexfile "$d/quote.sig")
      rl=$((16#${hex:8:4})); r=${hex:12:$((rl * 2))}
      sl=$((16#${hex:$((12 + rl * 2)):4})); s=${hex:$((16 + rl * 2)):$((sl * 2))}
      asn1int() { local v="$1"; v=$(echo "$v" | sed 's/^\(00\)*//'); [[ -z $v ]] && v=00
        (( 16#${v:0:1} >= 8 )) && v="00$v"; printf '02%02x%s' $((${#v} / 2)) "$v"; }
      local body; body="$(asn1int "$r")$(asn1int "$s")"
      local bl=$((${#body} / 2))
      if ((bl < 128)); then printf '30%02x%s' "$bl" "$body"; else printf '3081%02x%s' "$bl" "$body"; fi | xxd -r -p >"$der"
      openssl dgst -"$hash" -verify "$d/ak.pem" -signature "$der" "$d/quote.msg" 2>&1 ;;
  esac
}

for spec in "${VECTORS_SPEC[@]}"; do
  IFS='|' read -r name G g s sel qg extra <<<"$spec"
  d="$OUT/$name"; mkdir -p "$d"
  log "quote $name ($G/$s/$g over $sel)"
  nonce=$(openssl rand -hex 32)
  qargs=(-q "$nonce")
  if [[ $extra == EMPTY_NONCE ]]; then nonce=""; qargs=(); extra=""; fi  # negative vector: no qualifyingData
  echo -n "$nonce" >"$d/nonce.hex"
  tpm2_createak -C 0x81010001 -c "$WORK/$name.ak.ctx" -G "$G" -g "$g" -s "$s" \
    -u "$d/ak.pub" -n "$d/ak.name" -r "$WORK/$name.ak.priv" >"$WORK/$name.createak.yaml"
  flush
  tpm2_readpublic -c "$WORK/$name.ak.ctx" -f pem -o "$d/ak.pem" >/dev/null
  flush
  # shellcheck disable=SC2086
  tpm2_quote -c "$WORK/$name.ak.ctx" -l "$sel" "${qargs[@]}" -m "$d/quote.msg" -s "$d/quote.sig" \
    -o "$d/quote.pcrs" -g "$qg" $extra >"$WORK/$name.quote.yaml"
  flush
  tpm2_pcrread "$sel" | pcrread_to_json >"$d/pcrs.json"
  # tpm2_checkquote (differential check)
  if cq_out=$(tpm2_checkquote -u "$d/ak.pub" -m "$d/quote.msg" -s "$d/quote.sig" -f "$d/quote.pcrs" \
      -g "$qg" "${qargs[@]}" 2>&1); then cq=pass; else cq=fail; fi
  cq_err=$(echo "$cq_out" | grep -E 'ERROR|WARN' | head -5 || true)
  if os_out=$(openssl_verify "$d" "$s" "$qg"); then os=pass; else os=fail; fi
  log "  tpm2_checkquote=$cq openssl=$os"
  # persist the first RSASSA AK so the committed TPM state can activate a credential later
  note=""
  if [[ $name == rsassa-sha256 ]]; then
    tpm2_evictcontrol -C o -c "$WORK/$name.ak.ctx" 0x81010002 >/dev/null
    flush
    note="this AK is persistent at 0x81010002 in test-vectors/quotes/tpmstate"
  fi
  if [[ -z $nonce ]]; then
    note="NEGATIVE vector: quoted without -q, so extraData is empty; a verifier must refuse an empty nonce (signature itself is genuine)"
  fi
  if [[ $s == rsapss && $cq == fail ]]; then
    note="tpm2_checkquote 5.4 rejects genuine RSA-PSS quotes (tpm2-tools issue 3283); openssl verifies with salt length = hash length"
  fi
  jq -n --arg name "$name" --arg G "$G" --arg g "$g" --arg s "$s" --arg sel "$sel" --arg qg "$qg" \
    --arg nonce "$nonce" --arg cq "$cq" --arg cqerr "$cq_err" --arg os "$os" --arg osout "$os_out" \
    --arg note "$note" --arg extra "$extra" --argjson tools "$(tool_versions_json)" \
    --arg date "$(date -u +%Y-%m-%dT%H:%M:%SZ)" '{
      name: $name,
      recorded: $date,
      tpm: "swtpm (libtpms) manufactured with swtpm_setup --create-ek-cert --pcr-banks sha1,sha256,sha384",
      key: {createak_G: $G, type: (if ($G|startswith("rsa")) then "rsa" else "ecc" end),
            bits_or_curve: ({"rsa2048":"RSA-2048","ecc256":"NIST P-256","ecc384":"NIST P-384"}[$G]),
            scheme: $s, hash: $g, parent: "RSA EK 0x81010001"},
      quote: {selection: $sel, sign_hash: $qg, nonce_hex: $nonce},
      commands: [
        "tpm2_createak -C 0x81010001 -c ak.ctx -G \($G) -g \($g) -s \($s) -u ak.pub -n ak.name -r ak.priv",
        "tpm2_readpublic -c ak.ctx -f pem -o ak.pem",
        "tpm2_quote -c ak.ctx -l \($sel) \(if $nonce == "" then "" else "-q " + $nonce end) -m quote.msg -s quote.sig -o quote.pcrs -g \($qg) \($extra)",
        "tpm2_pcrread \($sel)  (-> pcrs.json)",
        "tpm2_checkquote -u ak.pub -m quote.msg -s quote.sig -f quote.pcrs -g \($qg) \(if $nonce == "" then "" else "-q " + $nonce end)"
      ],
      files: {"ak.pub":"TPM2B_PUBLIC (tpm2_createak -u)", "ak.pem":"SubjectPublicKeyInfo PEM (tpm2_readpublic -f pem)",
              "ak.name":"TPM2B_NAME body as written by tpm2_createak -n (nameAlg u16 || digest)",
              "quote.msg":"TPMS_ATTEST (tpm2_quote -m)", "quote.sig":"TPMT_SIGNATURE (tpm2_quote -s)",
              "quote.pcrs":"tpm2-tools serialized PCR file (tpm2_quote -o): TPML_PCR_SELECTION then TPML_DIGEST arrays, host-endian",
              "nonce.hex":"qualifyingData as lowercase hex", "pcrs.json":"tpm2_pcrread of the quoted selection"},
      checks: {tpm2_checkquote: $cq, tpm2_checkquote_errors: $cqerr, openssl_signature: $os, openssl_output: $osout},
      note: $note,
      tools: $tools
    }' >"$d/meta.json"
done

# ---- AK certificate signed by a local test CA ---------------------------------------
log "issuing AK certificate from a local test CA"
CA="$WORK/ca"; mkdir -p "$CA"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$CA/ca.key" \
  -out "$OUT/certs/test-ak-ca.pem" -days 7300 -subj "/O=bootproof test/CN=bootproof test AK CA (not trusted)" \
  -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" 2>/dev/null
cat >"$CA/ak.ext" <<'EXT'
basicConstraints=critical,CA:FALSE
keyUsage=critical,digitalSignature
extendedKeyUsage=2.23.133.8.3
subjectAltName=critical,dirName:tpm_dn
subjectKeyIdentifier=hash
authorityKeyIdentifier=keyid
[tpm_dn]
x.2.23.133.2.1=id:00001014
x.2.23.133.2.2=swtpm
x.2.23.133.2.3=id:20191023
EXT
for name in rsassa-sha256 ecdsa-p256-sha256; do
  # a throwaway CSR key; -force_pubkey puts the AK's public key into the certificate
  openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$CA/dummy.key" \
    -out "$CA/dummy.csr" -subj "/" 2>/dev/null || openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
    -keyout "$CA/dummy.key" -out "$CA/dummy.csr" -subj "/CN=bootproof test AK" 2>/dev/null
  openssl x509 -req -in "$CA/dummy.csr" -force_pubkey "$OUT/$name/ak.pem" -CA "$OUT/certs/test-ak-ca.pem" \
    -CAkey "$CA/ca.key" -set_serial "0x$(openssl rand -hex 8)" -days 3650 -sha256 \
    -extfile "$CA/ak.ext" -out "$OUT/$name/ak-cert.pem" 2>"$CA/x509.err" || { cat "$CA/x509.err"; die "AK cert"; }
  openssl verify -CAfile "$OUT/certs/test-ak-ca.pem" "$OUT/$name/ak-cert.pem" >&2
  cp "$OUT/$name/ak-cert.pem" "$OUT/certs/ak-$name.pem"
done

# ---- credential activation -------------------------------------------------------------
log "credential activation against the RSA EK"
C="$OUT/credential"
cp "$OUT/certs/ek-rsa.pub" "$C/ek.pub"
cp "$OUT/certs/ek-rsa.pub.pem" "$C/ek.pem"
cp "$OUT/rsassa-sha256/ak.pub" "$C/ak.pub"
cp "$OUT/rsassa-sha256/ak.name" "$C/ak.name"
AKNAME=$(hexfile "$C/ak.name")
echo -n "bootproof credential secret 0123" >"$C/secret.bin"    # 32 bytes
tpm2_makecredential -T none -u "$C/ek.pub" -s "$C/secret.bin" -n "$AKNAME" -o "$C/credential.blob"
tpm2_startauthsession --policy-session -S "$WORK/session.ctx"
tpm2_policysecret -S "$WORK/session.ctx" -c e >/dev/null
tpm2_activatecredential -c 0x81010002 -C 0x81010001 -i "$C/credential.blob" -o "$WORK/recovered.bin" \
  -P "session:$WORK/session.ctx"
tpm2_flushcontext "$WORK/session.ctx"; flush
if cmp -s "$C/secret.bin" "$WORK/recovered.bin"; then ACT=pass; else ACT=fail; fi
log "activatecredential recovered the secret: $ACT"
jq -n --arg act "$ACT" --arg akname "$AKNAME" --argjson tools "$(tool_versions_json)" '{
  ek: "RSA-2048 EK persistent at 0x81010001 (swtpm_setup); ek.pub = TPM2B_PUBLIC (tpm2_readpublic -f tss)",
  ak: "RSASSA-SHA256 AK persistent at 0x81010002 (same key as ../rsassa-sha256)",
  ak_name_hex: $akname,
  secret: "secret.bin (32 bytes)",
  credential_blob_format: "tpm2-tools: u32 BE magic 0xBADCC0DE, u32 BE version 1, TPM2B_ID_OBJECT (u16 size, integrityHMAC TPM2B, encIdentity), TPM2B_ENCRYPTED_SECRET (u16 size, RSA-OAEP(SHA-256, label IDENTITY\\0) seed)",
  commands: [
    "tpm2_makecredential -T none -u ek.pub -s secret.bin -n <ak.name hex> -o credential.blob",
    "tpm2_startauthsession --policy-session -S session.ctx; tpm2_policysecret -S session.ctx -c e",
    "tpm2_activatecredential -c 0x81010002 -C 0x81010001 -i credential.blob -o recovered.bin -P session:session.ctx"
  ],
  activatecredential_recovered_secret: $act,
  recheck: "scripts/record/activate-credential.sh <blob> [expected-secret] runs activatecredential against a copy of test-vectors/quotes/tpmstate",
  tools: $tools}' >"$C/meta.json"

# ---- save TPM state ------------------------------------------------------------------
stop_tpm
mkdir -p "$OUT/tpmstate"
cp "$STATE/tpm2-00.permall" "$OUT/tpmstate/"
cp "$WORK/swtpm_setup.log" "$OUT/tpmstate/swtpm_setup.log"
[[ $ACT == pass ]] || die "credential activation failed"

# ---- copy into the repo ------------------------------------------------------------------
rm -rf "$VECTORS/quotes"
mkdir -p "$VECTORS"
cp -r "$OUT" "$VECTORS/quotes"
log "wrote $VECTORS/quotes"
