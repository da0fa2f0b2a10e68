#!/usr/bin/env bash
# Record a real boot of a unified kernel image (UKI) under OVMF (QEMU TCG) with swtpm, and what
# systemd-measure predicts for the same UKI sections, so PCR 11 predictions can be checked against
# the PCR 11 of a TPM the stub really extended.
#
# The UKI is Debian's systemd-stub (systemd-boot-efi, linuxx64.efi.stub) + the Debian kernel
# (.linux) + the recorder's busybox/tpm2-tools initramfs (.initrd, recompressed with xz to keep the
# UKI small) + .cmdline + .osrel + .uname, assembled with objcopy. It is the ESP's
# \EFI\BOOT\BOOTX64.EFI on a bare FAT image; OVMF_CODE_4M.fd without Secure Boot boots it through
# its auto-created removable-media boot option. The guest's /init is the one record-ovmf.sh uses
# (lib.sh build_initramfs), with both in-guest quotes over PCRs 0-15.
# No systemd runs in the guest: PCR 11 holds only the stub's section measurements, which is
# systemd-measure's value for the empty phase path (`--phase=`, printed without a "phase" key).
#
# Usage: record-uki-boot.sh        Outputs: test-vectors/uki/boot-ovmf/ (replaced)
# Needs (Debian 12, root): apt-get install -y qemu-system-x86 ovmf swtpm swtpm-tools tpm2-tools
#   busybox-static linux-image-amd64 systemd-boot-efi dosfstools mtools cpio xz-utils binutils jq xxd openssl
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
need swtpm swtpm_setup tpm2_eventlog tpm2_checkquote qemu-system-x86_64 busybox cpio gzip xz mkfs.vfat mcopy mmd \
  base64 jq xxd openssl objcopy objdump node

KVER="${KVER:-$(ls /boot/vmlinuz-* | sed 's|/boot/vmlinuz-||' | sort -V | tail -1)}"
KERNEL="/boot/vmlinuz-$KVER"
BUSYBOX="$(command -v busybox)"
OVMF=/usr/share/OVMF
STUB="${STUB:-/usr/lib/systemd/boot/efi/linuxx64.efi.stub}"
MEASURE="${MEASURE:-/usr/lib/systemd/systemd-measure}"
QEMU_TIMEOUT="${QEMU_TIMEOUT:-900}"
# the same fixed nonce as record-ovmf.sh: sha256("bootproof in-guest quote nonce v1")
NONCE="$(echo -n 'bootproof in-guest quote nonce v1' | openssl dgst -sha256 -r | cut -c1-64)"
CMDLINE="console=ttyS0,115200 quiet panic=-1"
QUOTE_PCRS=0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15
OUT="$VECTORS/uki/boot-ovmf"
[[ -r $KERNEL ]] || die "no kernel at $KERNEL (apt-get install linux-image-amd64)"
[[ -r $STUB ]] || die "no stub at $STUB (apt-get install systemd-boot-efi)"
[[ -x $MEASURE ]] || die "no systemd-measure at $MEASURE"

WORK="$(mktemp -d /tmp/bootproof-uki-boot.XXXXXX)"
cleanup() {
  [[ -f $WORK/swtpm.pid ]] && kill "$(cat "$WORK/swtpm.pid")" 2>/dev/null || true
  if [[ "${KEEP_WORK:-0}" != 1 ]]; then rm -rf "$WORK"; else log "kept $WORK"; fi
}
trap cleanup EXIT

# ---- sections -------------------------------------------------------------------------------
QUOTE_PCRS=$QUOTE_PCRS build_initramfs
S="$WORK/sections"
mkdir -p "$S"
# xz (crc32 check: the kernel's decompressor does not support xz's default crc64)
gzip -dc "$WORK/initrd.img" | xz -9e --check=crc32 >"$S/initrd"
cp "$KERNEL" "$S/linux"
printf '%s\n' "$CMDLINE" >"$S/cmdline"
printf 'ID=bootproof-uki-boot\nNAME="bootproof UKI boot test"\nVERSION_ID=1\n' >"$S/osrel"
printf '%s' "$KVER" >"$S/uname"

# Each section at the next 4 KiB boundary after the stub's last section (PE order = this order).
build_uki() {
  local out="$1" next=0 name size vma args=()
  while read -r size vma; do
    if (( 0x$vma + 0x$size > next )); then next=$(( 0x$vma + 0x$size )); fi
  done < <(objdump -h "$STUB" | awk 'NF==7 && $1 ~ /^[0-9]+$/ {print $3, $4}')
  for name in osrel cmdline uname initrd linux; do
    next=$(( (next + 4095) / 4096 * 4096 ))
    args+=(--add-section ".$name=$S/$name" --change-section-vma ".$name=$(printf '0x%x' "$next")")
    next=$(( next + $(stat -c %s "$S/$name") ))
  done
  objcopy "${args[@]}" "$STUB" "$out"
}
build_uki "$WORK/uki.efi"
log "UKI: $(stat -c %s "$WORK/uki.efi") bytes (initrd $(stat -c %s "$S/initrd"), kernel $(stat -c %s "$S/linux"))"

# ---- systemd-measure on the same section files ------------------------------------------------
MARGS=(--linux="$S/linux" --osrel="$S/osrel" --cmdline="$S/cmdline" --initrd="$S/initrd")
mkdir -p "$WORK/out"
# --phase= : the empty phase path (no systemd in the guest); all four banks
"$MEASURE" calculate "${MARGS[@]}" --phase= --json=pretty >"$WORK/out/calculate.json"
"$MEASURE" calculate "${MARGS[@]}" --json=pretty >"$WORK/out/calculate-default-phases.json"
printf '%s\n' "${MARGS[@]}" | sed "s#$S/##" >"$WORK/out/measure-args.txt"

# ---- ESP + boot -------------------------------------------------------------------------------
E="$WORK/esp.img"
truncate -s 64M "$E"
mkfs.vfat -F 32 -n BOOTPROOF "$E" >/dev/null
mmd -i "$E" ::/EFI ::/EFI/BOOT
mcopy -i "$E" "$WORK/uki.efi" ::/EFI/BOOT/BOOTX64.EFI

mkdir -p "$WORK/tpm"
swtpm_setup --tpm2 --tpmstate "$WORK/tpm" --create-ek-cert --create-platform-cert --overwrite \
  --pcr-banks sha1,sha256,sha384 >"$WORK/swtpm_setup.log" 2>&1 || { cat "$WORK/swtpm_setup.log"; die "swtpm_setup"; }
cp "$OVMF/OVMF_VARS_4M.fd" "$WORK/vars.fd"
swtpm socket --tpm2 --tpmstate dir="$WORK/tpm" --ctrl type=unixio,path="$WORK/swtpm.sock" \
  --terminate --pid file="$WORK/swtpm.pid" --log file="$WORK/swtpm.log",level=1 &
for _ in $(seq 50); do [[ -S $WORK/swtpm.sock ]] && break; sleep 0.1; done
log "booting the UKI (OVMF_CODE_4M.fd, TCG) - timeout ${QEMU_TIMEOUT}s; console: $WORK/console.log"
t0=$SECONDS rc=0
timeout "$QEMU_TIMEOUT" qemu-system-x86_64 -machine q35 -accel tcg -m 1024 -smp 1 \
  -drive if=pflash,format=raw,unit=0,readonly=on,file="$OVMF/OVMF_CODE_4M.fd" \
  -drive if=pflash,format=raw,unit=1,file="$WORK/vars.fd" \
  -chardev socket,id=chrtpm,path="$WORK/swtpm.sock" -tpmdev emulator,id=tpm0,chardev=chrtpm \
  -device tpm-tis,tpmdev=tpm0 \
  -drive if=none,id=esp,format=raw,file="$E" -device virtio-blk-pci,drive=esp,bootindex=1 \
  -nic none -display none -serial file:"$WORK/console.log" -monitor none -no-reboot >"$WORK/qemu.out" 2>&1 || rc=$?
BOOT_SECONDS=$((SECONDS - t0))
log "  qemu exited rc=$rc after ${BOOT_SECONDS}s"
[[ -f $WORK/swtpm.pid ]] && kill "$(cat "$WORK/swtpm.pid")" 2>/dev/null || true
wait 2>/dev/null || true
if ! grep -q '@@BOOTPROOF INIT DONE@@' "$WORK/console.log"; then
  tail -c 3000 "$WORK/console.log" >&2; cat "$WORK/qemu.out" >&2
  cp "$WORK/console.log" "${FAILED_CONSOLE:-/tmp/bootproof-uki-boot-console.log}"
  die "the UKI boot did not complete (console kept at ${FAILED_CONSOLE:-/tmp/bootproof-uki-boot-console.log})"
fi

# ---- guest outputs (same names as test-vectors/ovmf/*) ------------------------------------------
O="$WORK/out"
extract "$WORK/console.log" binary_bios_measurements >"$O/binary_bios_measurements"
[[ -s $O/binary_bios_measurements ]] || die "the guest had no binary_bios_measurements"
# IMA's boot_aggregate is PCR 10, which the quotes also select
extract "$WORK/console.log" ima_binary_runtime_measurements >"$O/ima_binary_runtime_measurements" || true
extract "$WORK/console.log" ima_ascii_runtime_measurements >"$O/ima_ascii_runtime_measurements" || true
extract "$WORK/console.log" pcrs.txt | awk '{v=tolower($3); print $1 "\t" $2 "\t" v}' |
  jq -R -s 'split("\n") | map(select(length>0) | split("\t")) | reduce .[] as $r ({}; .[$r[0]][$r[1]] = $r[2])' >"$O/pcrs.json"
mkdir -p "$O/quote"
for f in nonce.hex ek.pub ek.pem ek-rsa-cert.der ak.pub ak.name ak.pem quote.msg quote.sig quote.pcrs pcrread.txt \
         ak2.pub ak2.name ak2.pem quote2.msg quote2.sig quote2.pcrs; do
  extract "$WORK/console.log" "q/$f" >"$O/quote/$f" 2>/dev/null || true
  [[ -s $O/quote/$f ]] || rm -f "$O/quote/$f"
done
tr -d '\n' <"$O/quote/nonce.hex" >"$O/quote/nonce.tmp" && mv "$O/quote/nonce.tmp" "$O/quote/nonce.hex"
[[ -f $O/quote/ek-rsa-cert.der ]] && openssl x509 -inform der -in "$O/quote/ek-rsa-cert.der" -out "$O/quote/ek-rsa-cert.pem" && rm "$O/quote/ek-rsa-cert.der"
cp /var/lib/swtpm-localca/swtpm-localca-rootca-cert.pem "$O/quote/swtpm-localca-rootca.pem"
cp /var/lib/swtpm-localca/issuercert.pem "$O/quote/swtpm-localca-issuer.pem"
tr -d '\r' <"$WORK/console.log" | awk '/^@@BEGIN /{print; skip=1; next} /^@@END /{skip=0} !skip' >"$O/console-trimmed.log"
# named as on the ESP; not uki.efi, so the 15 MB image is not one of the fuzz seeds (test-vectors/uki/*/uki.efi)
cp "$WORK/uki.efi" "$O/bootx64.efi"

# ---- host-side checks, recorded in meta.json (the tests redo them with bootproof) ---------------
cq() { tpm2_checkquote -u "$O/quote/$1.pub" -m "$O/quote/$2.msg" -s "$O/quote/$2.sig" -f "$O/quote/$2.pcrs" -g sha256 -q "$NONCE" >/dev/null 2>&1 && echo pass || echo fail; }
CQ1=$(cq ak quote) CQ2=$(cq ak2 quote2)
node "$(dirname "${BASH_SOURCE[0]}")/replay-log.mjs" "$O/binary_bios_measurements" >"$WORK/replay.json"
REPLAY_MISMATCH=$(jq -c --slurpfile p "$O/pcrs.json" '[.replay | to_entries[] | .key as $b | .value | to_entries[] |
  select(.value != $p[0][$b][.key]) | "\($b):\(.key)"]' "$WORK/replay.json")
PCR11=$(jq -c --slurpfile p "$O/pcrs.json" '[to_entries[] | select($p[0][.key] != null) |
  {bank: .key, systemd_measure: .value[0].hash, in_guest: $p[0][.key]["11"], equal: (.value[0].hash == $p[0][.key]["11"])}]' "$O/calculate.json")
evl_rc=0
tpm2_eventlog "$O/binary_bios_measurements" >"$O/tpm2_eventlog.yaml" 2>/dev/null || evl_rc=$?
[[ $evl_rc -eq 0 ]] || rm -f "$O/tpm2_eventlog.yaml"
log "  checkquote: quote=$CQ1 quote2=$CQ2; replay vs guest mismatching: $REPLAY_MISMATCH"
log "  PCR 11: $PCR11"

sections_json() {
  local n
  for n in linux osrel cmdline initrd uname; do
    jq -n --arg n ".$n" --argjson size "$(stat -c %s "$S/$n")" --arg sha256 "$(sha256sum "$S/$n" | cut -c1-64)" '{name:$n, size:$size, sha256:$sha256}'
  done | jq -s .
}
TOOLS=$(jq -s 'add' <(tool_versions_json) <(dpkg-query -W -f='${Package}\t${Version}\n' systemd systemd-boot-efi binutils xz-utils mtools dosfstools |
  jq -R -s 'split("\n") | map(select(length>0) | split("\t") | {(.[0]): .[1]}) | add'))
jq -n --arg date "$(date -u +%Y-%m-%dT%H:%M:%SZ)" --arg kver "$KVER" --arg cmdline "$CMDLINE" --arg nonce "$NONCE" \
  --arg stubmagic "$(tr -d '\0' <"$STUB" | grep -ao 'LoaderInfo: systemd-stub [^#]*' | head -1 | sed 's/ *$//')" \
  --arg measure "$("$MEASURE" --version | head -1)" --arg objcopy "$(objcopy --version | head -1)" \
  --argjson size "$(stat -c %s "$O/bootx64.efi")" --arg sha "$(sha256sum "$O/bootx64.efi" | cut -c1-64)" \
  --argjson sections "$(sections_json)" --arg cq1 "$CQ1" --arg cq2 "$CQ2" --argjson mism "$REPLAY_MISMATCH" \
  --argjson pcr11 "$PCR11" --argjson secs "$BOOT_SECONDS" --argjson evlrc "$evl_rc" --argjson tools "$TOOLS" '{
  recorded: $date,
  uki: {file: "bootx64.efi", size: $size, sha256: $sha, stub: "/usr/lib/systemd/boot/efi/linuxx64.efi.stub", stub_magic: $stubmagic,
        built_with: ($objcopy + ": --add-section .osrel .cmdline .uname .initrd .linux, each --change-section-vma at the next 4 KiB boundary"),
        sections: $sections, kernel: $kver, cmdline: $cmdline,
        initrd: "record-ovmf.sh busybox-static + tpm2-tools initramfs (lib.sh build_initramfs, quotes over PCRs 0-15), xz -9e --check=crc32"},
  firmware: {code: "/usr/share/OVMF/OVMF_CODE_4M.fd", vars_template: "/usr/share/OVMF/OVMF_VARS_4M.fd", secure_boot: false},
  boot: "bare FAT32 image, EFI/BOOT/BOOTX64.EFI = bootx64.efi, virtio-blk bootindex=1; OVMF boots it through its auto-created removable-media boot option",
  qemu: "qemu-system-x86_64 -machine q35 -accel tcg -m 1024 -smp 1, pflash CODE (ro) + VARS copy, -device tpm-tis with swtpm socket --tpm2 --ctrl type=unixio (no startup flags), -nic none",
  qemu_seconds: $secs,
  tpm: "swtpm_setup --tpm2 --create-ek-cert --create-platform-cert --pcr-banks sha1,sha256,sha384 (fresh state)",
  in_guest_quote: {nonce_hex: $nonce, sign_hash: "sha256",
    quote: "RSA-2048 RSASSA AK (ak.*) over sha256:0-15 (quote.*)",
    quote2: "ECDSA P-256 AK (ak2.*) over sha1:0-15+sha256:0-15+sha384:0-15 (quote2.*)",
    host_tpm2_checkquote: {quote: $cq1, quote2: $cq2}},
  systemd_measure: {version: $measure,
    "calculate.json": "systemd-measure calculate --linux --osrel --cmdline --initrd (measure-args.txt) --phase= --json=pretty: the empty phase path, all four banks",
    "calculate-default-phases.json": "the same without --phase (the four default phase paths)"},
  pcr11_systemd_measure_vs_in_guest: $pcr11,
  firmware_log_replay_vs_in_guest_pcrs: {tool: "scripts/record/replay-log.mjs", mismatching: $mism},
  tpm2_eventlog_rc: $evlrc,
  tools: $tools}' >"$O/meta.json"
find "$O" -type f -empty -delete
rm -rf "$OUT"; mkdir -p "$(dirname "$OUT")"
cp -r "$O" "$OUT"
log "wrote $OUT ($(du -sh "$OUT" | cut -f1))"
