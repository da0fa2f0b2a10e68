#!/usr/bin/env bash
# Record unified kernel image (UKI) vectors for PCR 11 prediction and .pcrsig verification.
#
# Builds small UKIs on Debian's systemd-stub (systemd-boot-efi) with objcopy, from synthetic
# payloads, and records what systemd-measure says about the SAME section files:
#   calculate --json=short per bank (default phases, then seven explicit phase paths),
#   calculate --json=pretty for all banks, and sign (RSA-2048 key made here) -> .pcrsig JSON,
#   which is then embedded in a final UKI. systemd 252's `sign` asks a TPM for the PolicyPCR
#   digest, so a throw-away swtpm (TCP on 127.0.0.1) is started for it.
# Needs (Debian 12, root): apt-get install -y systemd-boot-efi swtpm swtpm-tools tpm2-tools binutils openssl jq
# CI does not run this. Keys and signatures change on every run; predictions do not.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
need objcopy openssl jq swtpm swtpm_setup

STUB="${STUB:-/usr/lib/systemd/boot/efi/linuxx64.efi.stub}"
MEASURE="${MEASURE:-/usr/lib/systemd/systemd-measure}"
[[ -r $STUB ]] || die "no stub at $STUB (apt-get install systemd-boot-efi)"
[[ -x $MEASURE ]] || die "no systemd-measure at $MEASURE"
OUT="$VECTORS/uki"
WORK="$(mktemp -d)"
PORT="${UKI_SWTPM_PORT:-23210}"
SWTPM_PID=""
cleanup() { [[ -n $SWTPM_PID ]] && kill "$SWTPM_PID" 2>/dev/null; rm -rf "$WORK"; }
trap cleanup EXIT
mkdir -p "$OUT"

BANKS=(sha1 sha256 sha384 sha512)
# Every prefix of the boot phase path, including the empty path (kernel only).
ALL_PHASES=("" enter-initrd enter-initrd:leave-initrd enter-initrd:leave-initrd:sysinit
  enter-initrd:leave-initrd:sysinit:ready enter-initrd:leave-initrd:sysinit:ready:shutdown
  enter-initrd:leave-initrd:sysinit:ready:shutdown:final)

# Deterministic pseudo-random bytes: AES-128-CTR keystream of a fixed key (seed = $2).
# (openssl ends on SIGPIPE when head has enough: not an error here.)
prng() { (set +o pipefail; openssl enc -aes-128-ctr -nosalt -K "$(printf '%032x' "$2")" -iv 00000000000000000000000000000000 </dev/zero 2>/dev/null | head -c "$1"); }

P="$WORK/payload"
mkdir -p "$P"
# .linux: an "MZ" blob, 4321 bytes (not a multiple of 512: VirtualSize < SizeOfRawData).
{ printf 'MZbootproof synthetic kernel\n'; prng 4292 1; } >"$P/linux"
printf 'ID=bootproof-test\nNAME="bootproof test UKI"\nVERSION_ID=1\n' >"$P/osrel"
printf 'console=ttyS0 root=/dev/vda2 ro quiet\n' >"$P/cmdline"
printf 'console=ttyS0 root=/dev/vda2 ro quiet rd.break\n' >"$P/cmdline2"
prng 6000 2 >"$P/initrd"
# .splash: a 2x2 24-bit BMP.
printf 'BM\x46\x00\x00\x00\x00\x00\x00\x00\x36\x00\x00\x00\x28\x00\x00\x00\x02\x00\x00\x00\x02\x00\x00\x00\x01\x00\x18\x00\x00\x00\x00\x00\x10\x00\x00\x00\x13\x0b\x00\x00\x13\x0b\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\xff\x00\x00\x00\xff\x00\x00\x00\x00\x00\x00\xff\xff\xff\xff\xff\xff\x00\x00' >"$P/splash"
# .dtb: synthetic bytes behind the FDT magic, not a real device tree (neither tool parses it).
{ printf '\xd0\x0d\xfe\xed'; prng 700 3; } >"$P/dtb"
printf '6.1.0-bootproof' >"$P/uname"

openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$WORK/pcr-priv.pem" 2>/dev/null
openssl pkey -in "$WORK/pcr-priv.pem" -pubout -out "$P/pcrpkey"
openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$WORK/other-priv.pem" 2>/dev/null
openssl pkey -in "$WORK/other-priv.pem" -pubout -out "$WORK/other-pub.pem"

# Section VMAs above the 252 stub's image end (0x1a000), each 0x10000 apart (all payloads are smaller).
declare -A VMA=([.osrel]=0x20000 [.cmdline]=0x30000 [.uname]=0x40000 [.splash]=0x50000 [.dtb]=0x60000 [.pcrpkey]=0x70000 [.pcrsig]=0x80000 [.initrd]=0x90000 [.linux]=0xa0000)

# build_uki <out.efi> <.section=file>...
build_uki() {
  local out="$1"
  shift
  local args=() s name file
  for s in "$@"; do
    name="${s%%=*}"
    file="${s#*=}"
    args+=(--add-section "$name=$file" --change-section-vma "$name=${VMA[$name]}")
  done
  objcopy "${args[@]}" "$STUB" "$out"
}

# measure_args <.section=file>... -> systemd-measure options (252 has no --uname/--sbat: skipped)
measure_args() {
  local s name file
  for s in "$@"; do
    name="${s%%=*}"
    file="${s#*=}"
    case "$name" in
      .linux | .osrel | .cmdline | .initrd | .splash | .dtb | .pcrpkey) printf -- '--%s=%s\n' "${name#.}" "$file" ;;
    esac
  done
}

phase_args() { local p; for p in "${ALL_PHASES[@]}"; do printf -- '--phase=%s\n' "$p"; done; }

record_calculations() {
  local dir="$1"
  shift
  local margs b
  mapfile -t margs < <(measure_args "$@")
  for b in "${BANKS[@]}"; do
    "$MEASURE" calculate "${margs[@]}" --bank="$b" --json=short >"$dir/calculate.$b.json"
    mapfile -t pargs < <(phase_args)
    "$MEASURE" calculate "${margs[@]}" --bank="$b" "${pargs[@]}" --json=short >"$dir/calculate-all-phases.$b.json"
  done
  "$MEASURE" calculate "${margs[@]}" --json=pretty >"$dir/calculate.pretty.json"
  printf '%s\n' "${margs[@]}" | sed "s#$P/##" >"$dir/measure-args.txt"
}

start_swtpm() {
  mkdir -p "$WORK/tpm"
  swtpm_setup --tpm2 --tpmstate "$WORK/tpm" --pcr-banks sha1,sha256,sha384,sha512 --overwrite >"$WORK/swtpm_setup.log" 2>&1 || { cat "$WORK/swtpm_setup.log"; die swtpm_setup; }
  swtpm socket --tpm2 --tpmstate dir="$WORK/tpm" --server type=tcp,port="$PORT",bindaddr=127.0.0.1 \
    --ctrl type=tcp,port="$((PORT + 1))",bindaddr=127.0.0.1 --flags not-need-init,startup-clear &
  SWTPM_PID=$!
  sleep 1
}

# sign <out.json> <phase>... -- <.section=file>...
sign_pcrs() {
  local out="$1"
  shift
  local phases=() margs b bargs=()
  while [[ $1 != -- ]]; do phases+=(--phase="$1"); shift; done
  shift
  mapfile -t margs < <(measure_args "$@")
  for b in "${BANKS[@]}"; do bargs+=(--bank="$b"); done
  "$MEASURE" sign "${margs[@]}" "${bargs[@]}" "${phases[@]}" --private-key="$WORK/pcr-priv.pem" \
    --public-key="$P/pcrpkey" --tpm2-device="swtpm:host=127.0.0.1,port=$PORT" --json=short >"$out"
}

BASIC=(.osrel="$P/osrel" .cmdline="$P/cmdline" .initrd="$P/initrd" .linux="$P/linux")
FULL=(.osrel="$P/osrel" .cmdline="$P/cmdline" .uname="$P/uname" .splash="$P/splash" .dtb="$P/dtb" .initrd="$P/initrd" .linux="$P/linux")
KEYED=("${BASIC[@]}" .pcrpkey="$P/pcrpkey")

# 1. basic: .osrel .cmdline .initrd .linux
mkdir -p "$OUT/basic"
build_uki "$OUT/basic/uki.efi" "${BASIC[@]}"
record_calculations "$OUT/basic" "${BASIC[@]}"

# Phase normalisation and bank-name case: explicit paths are normalised (a::c -> a:c, ':' -> kernel
# only), sorted and de-duplicated; bank names are case-insensitive.
"$MEASURE" calculate --linux="$P/linux" --osrel="$P/osrel" --cmdline="$P/cmdline" --initrd="$P/initrd" \
  --bank=SHA256 --phase=b --phase=a::c --phase=b --phase=: --json=short >"$OUT/basic/calculate-odd-phases.sha256.json"

# 2. full: + .uname .splash .dtb (.uname is not measured by a 252 stub)
mkdir -p "$OUT/full"
build_uki "$OUT/full/uki.efi" "${FULL[@]}"
record_calculations "$OUT/full" "${FULL[@]}"

# 3. linux-only: the minimum (only .linux)
mkdir -p "$OUT/linux-only"
build_uki "$OUT/linux-only/uki.efi" .linux="$P/linux"
record_calculations "$OUT/linux-only" .linux="$P/linux"

# 4. signed: basic + .pcrpkey + .pcrsig (signed for the four default phases; .pcrsig is never measured)
start_swtpm
mkdir -p "$OUT/signed"
sign_pcrs "$OUT/signed/pcrsig.json" enter-initrd enter-initrd:leave-initrd enter-initrd:leave-initrd:sysinit enter-initrd:leave-initrd:sysinit:ready -- "${KEYED[@]}"
cp "$P/pcrpkey" "$OUT/signed/pcrpkey.pem"
build_uki "$OUT/signed/uki.efi" "${KEYED[@]}" .pcrsig="$OUT/signed/pcrsig.json"
record_calculations "$OUT/signed" "${KEYED[@]}"

# 5. signed-enter-initrd: signed for the phase enter-initrd only (a "wrong phase" vector)
mkdir -p "$OUT/signed-enter-initrd"
sign_pcrs "$OUT/signed-enter-initrd/pcrsig.json" enter-initrd -- "${KEYED[@]}"
build_uki "$OUT/signed-enter-initrd/uki.efi" "${KEYED[@]}" .pcrsig="$OUT/signed-enter-initrd/pcrsig.json"

# 6. other-key.pem: a key that signed nothing here (the "wrong key" vector)
cp "$WORK/other-pub.pem" "$OUT/other-key.pem"

{
  echo "systemd-measure: $("$MEASURE" --version | head -1)"
  echo "stub: $(dpkg-query -W -f='systemd-boot-efi ${Version}' systemd-boot-efi) ($(tr -d '\0' <"$STUB" | grep -ao 'LoaderInfo: systemd-stub [^#]*' | head -1))"
  echo "objcopy: $(objcopy --version | head -1)"
  echo "openssl: $(openssl version)"
  echo "swtpm: $(dpkg-query -W -f='${Version}' swtpm)"
} >"$OUT/tool-versions.txt"
log "UKI vectors written to $OUT"
