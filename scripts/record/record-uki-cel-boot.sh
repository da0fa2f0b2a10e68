#!/usr/bin/env bash
# Record a real UKI boot whose userspace measurements are logged by systemd in
# /run/log/systemd/tpm2-measure.log (CEL-JSON), so that the firmware log and that log together can
# be checked against every quoted PCR of the same boot.
#
# The UKI is systemd-stub 254 (bookworm-backports systemd-boot-efi, linuxx64.efi.stub) + the Debian
# kernel + the recorder's busybox/tpm2-tools initramfs (lib.sh build_initramfs, quotes over PCRs
# 0-15), booted by OVMF (QEMU TCG) with swtpm, as record-uki-boot.sh does. Before the quotes the
# guest's /init runs systemd-pcrextend the way systemd's units do on a booted system
# (systemd-pcrphase-initrd.service: enter-initrd / leave-initrd; systemd-pcrmachine.service:
# --machine-id; systemd-pcrfs-root.service: --file-system=/; systemd-pcrphase-sysinit.service:
# sysinit; systemd-pcrphase.service: ready), then emits the log beside the quotes.
#
# Why the measuring tool is systemd 257 and not 254: systemd 254 (systemd-pcrphase, the newest
# systemd Debian 12 ships, in bookworm-backports) extends PCRs 11 and 15 but keeps no log of it -
# neither systemd-pcrphase nor libsystemd-shared-254.so contains the tpm2-measure.log path or the
# CEL-JSON member names. The userspace log arrived with systemd 255 (systemd-pcrextend, which
# replaced systemd-pcrphase). So the tool is Debian 13's systemd-pcrextend (systemd 257), run in
# the guest with its own glibc and libraries (Debian 13 binaries need glibc 2.41) through its own
# dynamic loader; the stub stays 254 (it sets the StubPcrKernelImage EFI variable that
# systemd-pcrextend checks before it measures anything).
#
# No package is installed on the host: the .debs are downloaded with a temporary apt
# configuration (its own sources list, lists and cache under the work directory) and unpacked
# with dpkg-deb -x.
#
# Usage: record-uki-cel-boot.sh      Outputs: test-vectors/uki/boot-cel-ovmf/ (replaced; no UKI), or $OUT_DIR
# Needs (Debian 12, root): the packages record-uki-boot.sh lists.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
need swtpm swtpm_setup tpm2_checkquote qemu-system-x86_64 busybox cpio gzip xz mkfs.vfat mcopy mmd \
  base64 jq xxd openssl objcopy objdump node apt-get dpkg-deb

uki_recorder_defaults
DEBIAN_MIRROR="${DEBIAN_MIRROR:-http://deb.debian.org/debian}"
# A fixed machine ID (32 lowercase hex digits, machine-id(5)): sha256("bootproof machine id v1")[0:32]
MACHINE_ID="$(echo -n 'bootproof machine id v1' | openssl dgst -sha256 -r | cut -c1-32)"
# systemd-pcrextend's steps, in the order systemd's units run them on a booted system
PCREXTEND_STEPS=(enter-initrd leave-initrd --machine-id --file-system=/ sysinit ready)
OUT="${OUT_DIR:-$VECTORS/uki/boot-cel-ovmf}"
[[ -r $KERNEL ]] || die "no kernel at $KERNEL (apt-get install linux-image-amd64)"
MODDIR="/lib/modules/$KVER/kernel"
[[ -r $MODDIR/fs/efivarfs/efivarfs.ko ]] || die "no efivarfs.ko for $KVER"

WORK="$(mktemp -d /tmp/bootproof-uki-cel-boot.XXXXXX)"
trap cleanup_work EXIT

# ---- Debian packages, downloaded and unpacked (never installed) --------------------------------
# fetch_debs SUITE DEST PKG... : apt-get download with a throw-away configuration
fetch_debs() {
  local suite="$1" dest="$2"; shift 2
  local A="$WORK/apt-$suite"
  mkdir -p "$A/lists/partial" "$A/cache/archives/partial" "$A/debs" "$dest"
  echo "deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] $DEBIAN_MIRROR $suite main" >"$A/sources.list"
  local opts=(-o "Dir::Etc::sourcelist=$A/sources.list" -o Dir::Etc::sourceparts=/nonexistent
              -o "Dir::State::Lists=$A/lists" -o "Dir::Cache=$A/cache" -o APT::Sandbox::User=root)
  apt-get "${opts[@]}" update >"$A/update.log" 2>&1 || { cat "$A/update.log"; die "apt-get update ($suite)"; }
  local p specs=()
  for p in "$@"; do specs+=("$p/$suite"); done
  (cd "$A/debs" && apt-get "${opts[@]}" download "${specs[@]}" >"$A/download.log" 2>&1) || { cat "$A/download.log"; die "apt-get download ($suite)"; }
  local d
  for d in "$A/debs"/*.deb; do dpkg-deb -x "$d" "$dest"; done
  for d in "$A/debs"/*.deb; do
    jq -n --arg p "$(dpkg-deb -f "$d" Package)" --arg v "$(dpkg-deb -f "$d" Version)" --arg s "$(sha256sum "$d" | cut -c1-64)" \
      --arg suite "$suite" '{package: $p, version: $v, suite: $suite, deb_sha256: $s}'
  done >>"$WORK/debs.jsonl"
}
SD254="$WORK/sd254" SD257="$WORK/sd257"
log "downloading systemd 254 (bookworm-backports) and systemd 257 (trixie) packages"
fetch_debs bookworm-backports "$SD254" systemd-boot-efi systemd libsystemd-shared
fetch_debs trixie "$SD257" systemd libsystemd-shared libc6 libssl3t64 zlib1g libzstd1 libacl1 libblkid1 libcap2 \
  libcrypt1 libmount1 libpam0g libseccomp2 libselinux1 libpcre2-8-0 libaudit1 libcap-ng0 \
  libtss2-esys-3.0.2-0t64 libtss2-mu-4.0.1-0t64 libtss2-rc0t64 libtss2-sys1t64 libtss2-tcti-device0t64 libtss2-tctildr0t64
STUB="$SD254/usr/lib/systemd/boot/efi/linuxx64.efi.stub"
MEASURE="$SD254/lib/systemd/systemd-measure"
MEASURE_LIBS="$SD254/usr/lib/x86_64-linux-gnu/systemd"
PCREXTEND="$SD257/usr/lib/systemd/systemd-pcrextend"
[[ -r $STUB && -x $MEASURE && -x $PCREXTEND ]] || die "unpacked packages lack the stub, systemd-measure or systemd-pcrextend"
# the premise of this recording, checked on the bytes: 254 keeps no userspace log, 257 does
if grep -aqs 'tpm2-measure.log' "$SD254/lib/systemd/systemd-pcrphase" "$MEASURE_LIBS/libsystemd-shared-254.so"; then
  log "note: systemd 254 mentions tpm2-measure.log"
fi
grep -aq 'tpm2-measure.log' "$SD257/usr/lib/x86_64-linux-gnu/systemd/libsystemd-shared-257.so" || die "systemd 257 does not mention tpm2-measure.log"

# ---- initramfs: build_initramfs + systemd-pcrextend (own loader and libraries) + its steps -----
QUOTE_PCRS=$QUOTE_PCRS build_initramfs
R="$WORK/initramfs"
X=/opt/systemd
mkdir -p "$R$X/lib" "$R/etc" "$R/run" "$R/lib/modules"
cp "$PCREXTEND" "$R$X/systemd-pcrextend"
TL="$SD257/usr/lib/x86_64-linux-gnu"
cp -L "$TL/ld-linux-x86-64.so.2" "$R$X/ld-linux-x86-64.so.2"
# libraries: the ELF closure of systemd-pcrextend and of the tpm2-tss libraries it dlopen()s
# (esys, rc, mu; the TCTI by name), resolved by the 257 loader inside the unpacked tree only
DLOPENED=("$TL"/libtss2-{esys,rc,mu,sys,tctildr,tcti-device}.so.0 "$TL"/libtss2-sys.so.1)
for f in "$PCREXTEND" "${DLOPENED[@]}"; do
  [[ -e $f ]] || continue
  "$R$X/ld-linux-x86-64.so.2" --list --library-path "$TL:$TL/systemd" "$f" | awk '/=>/ && $1 !~ /ld-linux/ {print $3}'
  [[ $f == *.so* ]] && echo "$f"
done | sort -u >"$WORK/sd257-libs.txt"
while read -r lib; do
  case "$lib" in "$SD257"/*) ;; *) die "systemd-pcrextend needs a library outside the unpacked packages: $lib" ;; esac
  cp -L "$lib" "$R$X/lib/$(basename "$lib")"
done <"$WORK/sd257-libs.txt"
# efivarfs is a module in Debian's kernel: systemd-pcrextend reads the stub's EFI variables
cp "$MODDIR/fs/efivarfs/efivarfs.ko" "$R/lib/modules/efivarfs.ko"
echo "$MACHINE_ID" >"$R/etc/machine-id"
{
  echo '# ---- systemd userspace measurements (systemd-pcrextend 257, logged in tpm2-measure.log) ----'
  echo 'insmod /lib/modules/efivarfs.ko'
  echo 'mount -t efivarfs efivarfs /sys/firmware/efi/efivars'
  echo 'mount -t tmpfs -o mode=0755,nosuid,nodev tmpfs /run'
  echo 'ls /sys/firmware/efi/efivars | grep -E "^(Stub|Loader)" | sort'
  echo "PCREXTEND=\"$X/ld-linux-x86-64.so.2 --library-path $X/lib $X/systemd-pcrextend\""
  echo "for step in ${PCREXTEND_STEPS[*]}; do"
  echo '  env -u LD_LIBRARY_PATH SYSTEMD_LOG_LEVEL=debug SYSTEMD_LOG_TARGET=console SYSTEMD_LOG_COLOR=0 $PCREXTEND $step'
  echo '  echo "@@PCREXTEND $step rc=$?@@"'
  echo 'done'
} >"$WORK/measure.sh"
{
  echo '[ -f /run/log/systemd/tpm2-measure.log ] && emit tpm2-measure.log /run/log/systemd/tpm2-measure.log'
} >"$WORK/emit-log.sh"
# Splice: the measurements before the first PCR read, the log emitted after the quotes.
grep -q '^SEC=/sys/kernel/security$' "$R/init" && grep -q '^echo "@@BOOTPROOF INIT DONE@@"$' "$R/init" ||
  die "lib.sh's /init changed: the anchors for the measurement steps are gone"
awk -v m="$WORK/measure.sh" -v e="$WORK/emit-log.sh" '
  /^SEC=\/sys\/kernel\/security$/ { while ((getline l < m) > 0) print l }
  /^echo "@@BOOTPROOF INIT DONE@@"$/ { while ((getline l < e) > 0) print l }
  { print }' "$R/init" >"$WORK/init.new"
mv "$WORK/init.new" "$R/init" && chmod +x "$R/init"
(cd "$R" && find . | sort | cpio -o -H newc --quiet | gzip -9) >"$WORK/initrd.img"
log "initramfs with systemd-pcrextend: $(du -h "$WORK/initrd.img" | cut -f1)"

# ---- sections + UKI (as record-uki-boot.sh) ----------------------------------------------------
S="$WORK/sections"
write_uki_sections "$WORK/initrd.img" "$KERNEL" "$KVER" "$CMDLINE" \
  $'ID=bootproof-uki-cel-boot\nNAME="bootproof UKI boot with systemd measurements"\nVERSION_ID=1\n' "$S"
# the stub's own .sbat, which a 254 stub measures too (systemd-measure needs it as a file)
objcopy -O binary --only-section=.sbat "$STUB" "$S/sbat"
assemble_uki "$STUB" "$S" "$WORK/uki.efi" osrel cmdline uname initrd linux
log "UKI: $(stat -c %s "$WORK/uki.efi") bytes (initrd $(stat -c %s "$S/initrd"), kernel $(stat -c %s "$S/linux"))"

# ---- systemd-measure 254 on the same section files ---------------------------------------------
MARGS=(--linux="$S/linux" --osrel="$S/osrel" --cmdline="$S/cmdline" --initrd="$S/initrd" --uname="$S/uname" --sbat="$S/sbat")
mkdir -p "$WORK/out"
# the default phase paths: the last, enter-initrd:leave-initrd:sysinit:ready, is what the guest extends
LD_LIBRARY_PATH="$MEASURE_LIBS" "$MEASURE" calculate "${MARGS[@]}" --json=pretty >"$WORK/out/calculate-default-phases.json"
printf '%s\n' "${MARGS[@]}" | sed "s#$S/##" >"$WORK/out/measure-args.txt"

# ---- boot + guest outputs (same names as boot-ovmf/) ------------------------------------------------
FAILED_CONSOLE="${FAILED_CONSOLE:-/tmp/bootproof-uki-cel-boot-console.log}"
boot_uki_ovmf "$WORK/uki.efi" "$WORK" "$QEMU_TIMEOUT" "$FAILED_CONSOLE"
O="$WORK/out"
extract_guest_outputs "$WORK/console.log" "$O" tpm2-measure.log
if [[ ! -s $O/tpm2-measure.log ]]; then
  cp "$WORK/console.log" "$FAILED_CONSOLE"
  die "systemd-pcrextend wrote no tpm2-measure.log (console kept at $FAILED_CONSOLE)"
fi
STEP_RC=$(grep -ao '@@PCREXTEND [^ ]* rc=[0-9]*@@' "$O/console-trimmed.log" | sed 's/@@PCREXTEND \(.*\) rc=\([0-9]*\)@@/\1\t\2/' |
  jq -R -s 'split("\n") | map(select(length>0) | split("\t") | {step: .[0], rc: (.[1] | tonumber)})')

# ---- host-side checks, recorded in meta.json (the tests redo them with bootproof) -----------------
CQ1=$(checkquote "$O/quote" ak quote "$NONCE") CQ2=$(checkquote "$O/quote" ak2 quote2 "$NONCE")
FW_MISMATCH=$(firmware_replay_mismatch "$O/binary_bios_measurements" "$O/pcrs.json" "$WORK/replay.json")
# the CEL on top of the firmware replay, per bank (jq reads the JSON-seq records; node hashes)
jq -c --seq -s '.' <"$O/tpm2-measure.log" 2>/dev/null | tr -d '\036' >"$WORK/cel.json"
COMBINED_MISMATCH=$(node -e '
  const fs = require("node:fs"), { createHash } = require("node:crypto")
  const fw = JSON.parse(fs.readFileSync(process.argv[1])).replay, cel = JSON.parse(fs.readFileSync(process.argv[2]))
  const guest = JSON.parse(fs.readFileSync(process.argv[3])), bad = []
  for (const bank of Object.keys(guest)) {
    const v = { ...fw[bank] }
    for (const r of cel) {
      if (r.pcr === undefined) continue
      const d = r.digests.find((x) => x.hashAlg === bank)
      if (!d) { bad.push(`${bank}:${r.pcr} (no digest)`); continue }
      const prev = v[r.pcr] ?? "00".repeat(d.digest.length / 2)
      v[r.pcr] = createHash(bank).update(Buffer.from(prev, "hex")).update(Buffer.from(d.digest, "hex")).digest("hex")
    }
    for (const [i, h] of Object.entries(guest[bank])) if (Number(i) <= 15 && Number(i) !== 10 && v[i] !== undefined && v[i] !== h) bad.push(`${bank}:${i}`)
  }
  console.log(JSON.stringify(bad))' "$WORK/replay.json" "$WORK/cel.json" "$O/pcrs.json")
CEL_SUMMARY=$(jq -c '[.[] | {pcr, content_type, eventType: .content.eventType, string: .content.string, banks: [.digests[].hashAlg]}]' "$WORK/cel.json")
PCR11=$(jq -c --slurpfile p "$O/pcrs.json" '[to_entries[] | select($p[0][.key] != null) |
  {bank: .key, systemd_measure: .value[-1].hash, phase: .value[-1].phase, in_guest: $p[0][.key]["11"], equal: (.value[-1].hash == $p[0][.key]["11"])}]' "$O/calculate-default-phases.json")
log "  checkquote: quote=$CQ1 quote2=$CQ2; firmware replay mismatching: $FW_MISMATCH; firmware+CEL mismatching: $COMBINED_MISMATCH"
log "  pcrextend steps: $(jq -c . <<<"$STEP_RC")"
log "  PCR 11: $PCR11"

sections_json() {
  local n
  for n in linux osrel cmdline initrd uname sbat; do
    jq -n --arg n ".$n" --argjson size "$(stat -c %s "$S/$n")" --arg sha256 "$(sha256sum "$S/$n" | cut -c1-64)" '{name:$n, size:$size, sha256:$sha256}'
  done | jq -s .
}
TOOLS=$(jq -s 'add' <(tool_versions_json) <(package_versions_json binutils xz-utils mtools dosfstools))
jq -n --arg date "$(date -u +%Y-%m-%dT%H:%M:%SZ)" --arg kver "$KVER" --arg cmdline "$CMDLINE" --arg nonce "$NONCE" \
  --arg stubmagic "$(uki_stub_magic "$STUB")" --argjson ovmf "$(boot_uki_ovmf_meta_json)" \
  --arg measure "$(LD_LIBRARY_PATH="$MEASURE_LIBS" "$MEASURE" --version | head -1)" \
  --arg pcrextend "$("$R$X/ld-linux-x86-64.so.2" --library-path "$R$X/lib" "$R$X/systemd-pcrextend" --version | head -1)" \
  --arg objcopy "$(objcopy --version | head -1)" \
  --argjson size "$(stat -c %s "$WORK/uki.efi")" --arg sha "$(sha256sum "$WORK/uki.efi" | cut -c1-64)" \
  --argjson sections "$(sections_json)" --arg cq1 "$CQ1" --arg cq2 "$CQ2" --argjson fwm "$FW_MISMATCH" \
  --argjson cm "$COMBINED_MISMATCH" --argjson cel "$CEL_SUMMARY" --argjson steps "$STEP_RC" --arg mid "$MACHINE_ID" \
  --argjson pcr11 "$PCR11" --argjson secs "$BOOT_SECONDS" --argjson tools "$TOOLS" \
  --argjson debs "$(jq -s . "$WORK/debs.jsonl")" --argjson libs "$(jq -R -s 'split("\n") | map(select(length>0) | split("/") | last)' "$WORK/sd257-libs.txt")" '{
  recorded: $date,
  uki: {file: "not kept (size and SHA-256 here)", size: $size, sha256: $sha, stub: "bookworm-backports systemd-boot-efi: /usr/lib/systemd/boot/efi/linuxx64.efi.stub", stub_magic: $stubmagic,
        built_with: ($objcopy + ": --add-section .osrel .cmdline .uname .initrd .linux, each --change-section-vma at the next 4 KiB boundary"),
        sections: $sections, sections_note: ".sbat is the stub'"'"'s own section (objcopy -O binary --only-section=.sbat), measured by a 254 stub",
        kernel: $kver, cmdline: $cmdline,
        initrd: "lib.sh build_initramfs (busybox-static + tpm2-tools, quotes over PCRs 0-15) + systemd-pcrextend 257 under /opt/systemd with its own loader and libraries + efivarfs.ko + /etc/machine-id, xz -9e --check=crc32"},
  firmware: $ovmf.firmware,
  boot: "bare FAT32 image, EFI/BOOT/BOOTX64.EFI = the UKI, virtio-blk bootindex=1; OVMF boots it through its auto-created removable-media boot option",
  qemu: $ovmf.qemu,
  qemu_seconds: $secs,
  tpm: $ovmf.tpm,
  systemd_userspace: {tool: $pcrextend, machine_id: $mid,
    invocation: "env -u LD_LIBRARY_PATH SYSTEMD_LOG_LEVEL=debug SYSTEMD_LOG_TARGET=console /opt/systemd/ld-linux-x86-64.so.2 --library-path /opt/systemd/lib /opt/systemd/systemd-pcrextend STEP (no --graceful, no SYSTEMD_FORCE_MEASURE: the 254 stub set StubPcrKernelImage)",
    steps: $steps, libraries: $libs, log: "tpm2-measure.log", records: $cel,
    why_not_254: "systemd 254 (systemd-pcrphase) extends PCRs 11 and 15 but writes no tpm2-measure.log; the userspace log arrived in systemd 255 (systemd-pcrextend)"},
  debs: $debs,
  in_guest_quote: {nonce_hex: $nonce, sign_hash: "sha256",
    quote: "RSA-2048 RSASSA AK (ak.*) over sha256:0-15 (quote.*)",
    quote2: "ECDSA P-256 AK (ak2.*) over sha1:0-15+sha256:0-15+sha384:0-15 (quote2.*)",
    host_tpm2_checkquote: {quote: $cq1, quote2: $cq2}},
  systemd_measure: {version: $measure,
    "calculate-default-phases.json": "systemd-measure calculate (measure-args.txt) --json=pretty: the four default phase paths, all four banks"},
  pcr11_systemd_measure_vs_in_guest: $pcr11,
  firmware_log_replay_vs_in_guest_pcrs: {tool: "scripts/record/replay-log.mjs", mismatching: $fwm},
  firmware_log_then_cel_vs_in_guest_pcrs_0_15_except_10: {mismatching: $cm},
  tools: $tools}' >"$O/meta.json"
find "$O" -type f -empty -delete
rm -rf "$OUT"; mkdir -p "$(dirname "$OUT")"
cp -r "$O" "$OUT"
log "wrote $OUT ($(du -sh "$OUT" | cut -f1))"
