#!/usr/bin/env bash
# Usage: activate-credential.sh CREDENTIAL_BLOB [EXPECTED_SECRET_FILE]
#
# Runs TPM2_ActivateCredential on a credential blob in tpm2-tools' format
# (u32 BE 0xBADCC0DE, u32 BE 1, TPM2B_ID_OBJECT, TPM2B_ENCRYPTED_SECRET), e.g. one made by
# bootproof's TypeScript MakeCredential for:
#   EK  = test-vectors/quotes/credential/ek.pub   (persistent 0x81010001)
#   AK  = test-vectors/quotes/credential/ak.name  (persistent 0x81010002)
# against a fresh swtpm started on a COPY of test-vectors/quotes/tpmstate, or of $TPMSTATE
# (e.g. test-vectors/ovmf/<boot>/tpmstate, whose in-guest AK is also at 0x81010002; the committed
# state is never modified). Prints the recovered secret as hex; if EXPECTED_SECRET_FILE is
# given, exits 0 only if it matches. swtpm listens on 127.0.0.1 only.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
need swtpm tpm2_activatecredential tpm2_startauthsession tpm2_policysecret tpm2_flushcontext xxd
[[ $# -ge 1 ]] || die "usage: $0 CREDENTIAL_BLOB [EXPECTED_SECRET_FILE]"
BLOB="$(realpath "$1")"; EXPECT="${2:+$(realpath "$2")}"
PORT="${SWTPM_PORT:-23220}"
WORK="$(mktemp -d /tmp/bootproof-activate.XXXXXX)"
STATE_DIR="${TPMSTATE:-$VECTORS/quotes/tpmstate}"   # or e.g. test-vectors/ovmf/sb-esp/tpmstate
cp "$STATE_DIR/tpm2-00.permall" "$WORK/"
export TPM2TOOLS_TCTI="swtpm:host=127.0.0.1,port=$PORT"
cleanup() { [[ -n "${PID:-}" ]] && kill "$PID" 2>/dev/null; rm -rf "$WORK"; }
trap cleanup EXIT
swtpm socket --tpm2 --tpmstate dir="$WORK" \
  --server type=tcp,port="$PORT",bindaddr=127.0.0.1 --ctrl type=tcp,port=$((PORT + 1)),bindaddr=127.0.0.1 \
  --flags not-need-init,startup-clear --daemon --pid file="$WORK/pid"
PID=$(cat "$WORK/pid")
for _ in $(seq 50); do tpm2_getrandom 4 >/dev/null 2>&1 && break; sleep 0.1; done
tpm2_startauthsession --policy-session -S "$WORK/session.ctx"
tpm2_policysecret -S "$WORK/session.ctx" -c e >/dev/null
rc=0
tpm2_activatecredential -c 0x81010002 -C 0x81010001 -i "$BLOB" -o "$WORK/secret.bin" \
  -P "session:$WORK/session.ctx" >/dev/null || rc=$?
tpm2_flushcontext "$WORK/session.ctx" >/dev/null 2>&1 || true
tpm2_flushcontext -t >/dev/null 2>&1 || true
[[ $rc -eq 0 ]] || die "tpm2_activatecredential failed (rc=$rc)"
echo "secret: $(xxd -p -c 1000 "$WORK/secret.bin")"
if [[ -n "$EXPECT" ]]; then
  if cmp -s "$EXPECT" "$WORK/secret.bin"; then echo "MATCH"; else echo "MISMATCH"; exit 2; fi
fi
