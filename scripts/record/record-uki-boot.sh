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
# Usage: record-uki-boot.sh        Outputs: test-vectors/uki/boot-ovmf/ (replaced), or $OUT_DIR
# Needs (Debian 12, root): apt-get install -y qemu-system-x86 ovmf swtpm swtpm-tools tpm2-tools
#   busybox-static linux-image-amd64 systemd-boot-efi dosfstools mtools cpio xz-utils binutils jq xxd openssl
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
need swtpm swtpm_setup tpm2_eventlog tpm2_checkquote qemu-system-x86_64 busybox cpio gzip xz mkfs.vfat mcopy mmd \
  base64 jq xxd openssl objcopy objdump node

uki_recorder_defaults
STUB="${STUB:-/usr/lib/systemd/boot/efi/linuxx64.efi.stub}"
MEASURE="${MEASURE:-/usr/lib/systemd/systemd-measure}"
OUT="${OUT_DIR:-$VECTORS/uki/boot-ovmf}"
[[ -r $KERNEL ]] || die "no kernel at $KERNEL (apt-get install linux-image-amd64)"
[[ -r $STUB ]] || die "no stub at $STUB (apt-get install systemd-boot-efi)"
[[ -x $MEASURE ]] || die "no systemd-measure at $MEASURE"

WORK="$(mktemp -d /tmp/bootproof-uki-boot.XXXXXX)"
trap cleanup_work EXIT

# ---- sections -------------------------------------------------------------------------------
QUOTE_PCRS=$QUOTE_PCRS build_initramfs
S="$WORK/sections"
write_uki_sections "$WORK/initrd.img" "$KERNEL" "$KVER" "$CMDLINE" \
  $'ID=bootproof-uki-boot\nNAME="bootproof UKI boot test"\nVERSION_ID=1\n' "$S"
assemble_uki "$STUB" "$S" "$WORK/uki.efi" osrel cmdline uname initrd linux
log "UKI: $(stat -c %s "$WORK/uki.efi") bytes (initrd $(stat -c %s "$S/initrd"), kernel $(stat -c %s "$S/linux"))"

# ---- systemd-measure on the same section files ------------------------------------------------
MARGS=(--linux="$S/linux" --osrel="$S/osrel" --cmdline="$S/cmdline" --initrd="$S/initrd")
mkdir -p "$WORK/out"
# --phase= : the empty phase path (no systemd in the guest); all four banks
"$MEASURE" calculate "${MARGS[@]}" --phase= --json=pretty >"$WORK/out/calculate.json"
"$MEASURE" calculate "${MARGS[@]}" --json=pretty >"$WORK/out/calculate-default-phases.json"
printf '%s\n' "${MARGS[@]}" | sed "s#$S/##" >"$WORK/out/measure-args.txt"

# ---- boot + guest outputs (same names as test-vectors/ovmf/*) -----------------------------------
boot_uki_ovmf "$WORK/uki.efi" "$WORK" "$QEMU_TIMEOUT" "${FAILED_CONSOLE:-/tmp/bootproof-uki-boot-console.log}"
O="$WORK/out"
# IMA's boot_aggregate is PCR 10, which the quotes also select
extract_guest_outputs "$WORK/console.log" "$O" ima_ascii_runtime_measurements
# named as on the ESP; not uki.efi, so the 15 MB image is not one of the fuzz seeds (test-vectors/uki/*/uki.efi)
cp "$WORK/uki.efi" "$O/bootx64.efi"

# ---- host-side checks, recorded in meta.json (the tests redo them with bootproof) ---------------
CQ1=$(checkquote "$O/quote" ak quote "$NONCE") CQ2=$(checkquote "$O/quote" ak2 quote2 "$NONCE")
REPLAY_MISMATCH=$(firmware_replay_mismatch "$O/binary_bios_measurements" "$O/pcrs.json" "$WORK/replay.json")
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
TOOLS=$(jq -s 'add' <(tool_versions_json) <(package_versions_json systemd systemd-boot-efi binutils xz-utils mtools dosfstools))
jq -n --arg date "$(date -u +%Y-%m-%dT%H:%M:%SZ)" --arg kver "$KVER" --arg cmdline "$CMDLINE" --arg nonce "$NONCE" \
  --arg stubmagic "$(uki_stub_magic "$STUB")" --argjson ovmf "$(boot_uki_ovmf_meta_json)" \
  --arg measure "$("$MEASURE" --version | head -1)" --arg objcopy "$(objcopy --version | head -1)" \
  --argjson size "$(stat -c %s "$O/bootx64.efi")" --arg sha "$(sha256sum "$O/bootx64.efi" | cut -c1-64)" \
  --argjson sections "$(sections_json)" --arg cq1 "$CQ1" --arg cq2 "$CQ2" --argjson mism "$REPLAY_MISMATCH" \
  --argjson pcr11 "$PCR11" --argjson secs "$BOOT_SECONDS" --argjson evlrc "$evl_rc" --argjson tools "$TOOLS" '{
  recorded: $date,
  uki: {file: "bootx64.efi", size: $size, sha256: $sha, stub: "/usr/lib/systemd/boot/efi/linuxx64.efi.stub", stub_magic: $stubmagic,
        built_with: ($objcopy + ": --add-section .osrel .cmdline .uname .initrd .linux, each --change-section-vma at the next 4 KiB boundary"),
        sections: $sections, kernel: $kver, cmdline: $cmdline,
        initrd: "record-ovmf.sh busybox-static + tpm2-tools initramfs (lib.sh build_initramfs, quotes over PCRs 0-15), xz -9e --check=crc32"},
  firmware: $ovmf.firmware,
  boot: "bare FAT32 image, EFI/BOOT/BOOTX64.EFI = bootx64.efi, virtio-blk bootindex=1; OVMF boots it through its auto-created removable-media boot option",
  qemu: $ovmf.qemu,
  qemu_seconds: $secs,
  tpm: $ovmf.tpm,
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
