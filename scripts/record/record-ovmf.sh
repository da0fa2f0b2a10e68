#!/usr/bin/env bash
# Record real firmware event logs (and an in-guest TPM2 quote of the same boot) by booting
# Debian's OVMF under QEMU (TCG) with swtpm, a Debian kernel and a busybox-static initramfs.
#
# Usage: record-ovmf.sh [boot-name ...]     (default: all boots below)
#   plain-direct : OVMF_CODE_4M.fd + copy of OVMF_VARS_4M.fd, qemu -kernel/-initrd direct boot
#   plain-esp    : OVMF_CODE_4M.fd + copy of OVMF_VARS_4M.fd, boots shim -> grub -> kernel from a FAT ESP
#   sb-esp       : OVMF_CODE_4M.ms.fd + copy of OVMF_VARS_4M.ms.fd (Secure Boot, Microsoft keys),
#                  boots Debian's signed shim -> signed grub -> signed kernel from the same FAT ESP
#
# Outputs: test-vectors/ovmf/<boot-name>/ (replaced per boot).
# Optional: pesign (or osslsigncode) for the Authenticode SHA-256 of shim/grub/kernel in meta.json.
# swtpm uses a unix socket only. qemu runs with -accel tcg, no network, under a timeout.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
need swtpm swtpm_setup tpm2_eventlog tpm2_checkquote qemu-system-x86_64 busybox cpio gzip mkfs.vfat mcopy mmd base64 jq xxd openssl

KVER="${KVER:-$(ls /boot/vmlinuz-* | sed 's|/boot/vmlinuz-||' | sort -V | tail -1)}"
KERNEL="/boot/vmlinuz-$KVER"
BUSYBOX="$(command -v busybox)"
OVMF=/usr/share/OVMF
SHIM=/usr/lib/shim/shimx64.efi.signed
MM=/usr/lib/shim/mmx64.efi.signed
GRUB=/usr/lib/grub/x86_64-efi-signed/grubx64.efi.signed
QEMU_TIMEOUT="${QEMU_TIMEOUT:-420}"

WORK="$(mktemp -d /tmp/bootproof-ovmf.XXXXXX)"
cleanup() {
  local p
  for p in "$WORK"/*/swtpm.pid; do [[ -f $p ]] && kill "$(cat "$p")" 2>/dev/null || true; done
  if [[ "${KEEP_WORK:-0}" != 1 ]]; then rm -rf "$WORK"; else log "kept $WORK"; fi
}
trap cleanup EXIT
[[ -r $KERNEL ]] || die "no kernel at $KERNEL (apt-get install linux-image-amd64)"

# build_initramfs (the guest's /init) and extract (console -> file) are in lib.sh

# ---------------------------------------------------------------------------------------------
# ESP: bare FAT image with shim (as BOOTX64.EFI), grub, kernel, initramfs, grub.cfg
# ---------------------------------------------------------------------------------------------
# $1 = grub loader command pair: "linux initrd" (Debian default; under Secure Boot it is linuxefi)
#      or "linuxefi initrdefi" (forces the EFI handover, so the kernel's EFI stub copies the TCG2
#      event log; without Secure Boot plain "linux" boots the kernel without any event log)
# $2 = output image
build_esp() {
  local lcmd icmd E="$2" cfg="$2.grub.cfg"
  read -r lcmd icmd <<<"$1"
  cat >"$cfg" <<EOF
set timeout=0
set default=0
menuentry "bootproof" {
  $lcmd /vmlinuz $CMDLINE
  $icmd /initrd.img
}
EOF
  rm -f "$E"
  truncate -s 96M "$E"
  mkfs.vfat -F 32 -n BOOTPROOF "$E" >/dev/null
  mmd -i "$E" ::/EFI ::/EFI/BOOT ::/EFI/debian ::/boot ::/boot/grub
  mcopy -i "$E" "$SHIM" ::/EFI/BOOT/BOOTX64.EFI
  mcopy -i "$E" "$GRUB" ::/EFI/BOOT/grubx64.efi
  mcopy -i "$E" "$MM" ::/EFI/BOOT/mmx64.efi
  mcopy -i "$E" "$cfg" ::/EFI/BOOT/grub.cfg
  mcopy -i "$E" "$cfg" ::/EFI/debian/grub.cfg
  mcopy -i "$E" "$cfg" ::/boot/grub/grub.cfg
  mcopy -i "$E" "$KERNEL" ::/vmlinuz
  mcopy -i "$E" "$WORK/initrd.img" ::/initrd.img
}

# ---------------------------------------------------------------------------------------------
# one boot
# ---------------------------------------------------------------------------------------------
boot() {
  local name="$1" code vars mode loader="" note=""
  case "$name" in
    plain-direct) code=OVMF_CODE_4M.fd;    vars=OVMF_VARS_4M.fd;    mode=direct
      note="Direct -kernel boot: the PCR 4 application digest is of the image QEMU's loader hands to OVMF, NOT the Authenticode hash of /boot/vmlinuz on disk; no shim/grub." ;;
    plain-esp)    code=OVMF_CODE_4M.fd;    vars=OVMF_VARS_4M.fd;    mode=esp; loader="linuxefi initrdefi"
      note="No Secure Boot. grub.cfg uses linuxefi/initrdefi: with Debian grub's plain 'linux' command and SB off the kernel is started without its EFI stub and the guest has NO event log in securityfs (observed). PCR 4 holds shim and grub (Authenticode); the kernel is measured only by grub into PCR 9 (files) with its command line in PCR 8." ;;
    sb-esp)       code=OVMF_CODE_4M.ms.fd; vars=OVMF_VARS_4M.ms.fd; mode=esp; loader="linux initrd"
      note="Secure Boot on (Microsoft keys, Debian shim 16.1 signed by Microsoft, Debian-signed grub and kernel); kernel locked down. PCR 4 holds shim, grub and the kernel's Authenticode digest twice; PCR 7 has the SB variables and EV_EFI_VARIABLE_AUTHORITY entries; grub commands in PCR 8, files in PCR 9." ;;
    *) die "unknown boot $name" ;;
  esac
  local B="$WORK/$name" O="$WORK/out/$name"
  mkdir -p "$O"
  start_ovmf_swtpm "$B" "$OVMF/$vars"
  local -a boot_args
  if [[ $mode == direct ]]; then
    boot_args=(-kernel "$KERNEL" -initrd "$WORK/initrd.img" -append "$CMDLINE")
  else
    build_esp "$loader" "$B/esp.img"
    boot_args=(-drive if=none,id=esp,format=raw,file="$B/esp.img" -device virtio-blk-pci,drive=esp,bootindex=1)
  fi
  log "booting $name ($code, $vars, $mode) - TCG, timeout ${QEMU_TIMEOUT}s"
  local t0=$SECONDS rc=0
  timeout "$QEMU_TIMEOUT" qemu-system-x86_64 -machine q35 -accel tcg -m 1024 -smp 1 \
    -drive if=pflash,format=raw,unit=0,readonly=on,file="$OVMF/$code" \
    -drive if=pflash,format=raw,unit=1,file="$B/vars.fd" \
    -chardev socket,id=chrtpm,path="$B/swtpm.sock" -tpmdev emulator,id=tpm0,chardev=chrtpm \
    -device tpm-tis,tpmdev=tpm0 \
    -nic none -display none -serial file:"$B/console.log" -monitor none -no-reboot \
    "${boot_args[@]}" >"$B/qemu.out" 2>&1 || rc=$?
  log "  qemu exited rc=$rc after $((SECONDS - t0))s"
  [[ -f $B/swtpm.pid ]] && kill "$(cat "$B/swtpm.pid")" 2>/dev/null || true
  wait 2>/dev/null || true
  if ! grep -q '@@BOOTPROOF INIT DONE@@' "$B/console.log"; then
    tail -c 3000 "$B/console.log" >&2; cat "$B/qemu.out" >&2
    log "boot $name did not complete"; return 1
  fi
  extract "$B/console.log" binary_bios_measurements >"$O/binary_bios_measurements"
  extract "$B/console.log" ima_binary_runtime_measurements >"$O/ima_binary_runtime_measurements" || true
  extract "$B/console.log" ima_ascii_runtime_measurements >"$O/ima_ascii_runtime_measurements" || true
  extract "$B/console.log" pcrs.txt | awk '{v=tolower($3); print $1 "\t" $2 "\t" v}' |
    jq -R -s 'split("\n") | map(select(length>0) | split("\t")) | reduce .[] as $r ({}; .[$r[0]][$r[1]] = $r[2])' >"$O/pcrs.json"
  mkdir -p "$O/quote"
  local f
  for f in nonce.hex ek.pub ek.pem ek-rsa-cert.der ak.pub ak.name ak.pem quote.msg quote.sig quote.pcrs pcrread.txt \
           ak2.pub ak2.name ak2.pem quote2.msg quote2.sig quote2.pcrs; do
    extract "$B/console.log" "q/$f" >"$O/quote/$f" 2>/dev/null || true
    [[ -s $O/quote/$f ]] || rm -f "$O/quote/$f"
  done
  [[ -f $O/quote/nonce.hex ]] && tr -d '\n' <"$O/quote/nonce.hex" >"$O/quote/nonce.tmp" && mv "$O/quote/nonce.tmp" "$O/quote/nonce.hex"
  [[ -f $O/quote/ek-rsa-cert.der ]] && openssl x509 -inform der -in "$O/quote/ek-rsa-cert.der" -out "$O/quote/ek-rsa-cert.pem" && rm "$O/quote/ek-rsa-cert.der"
  cp /var/lib/swtpm-localca/swtpm-localca-rootca-cert.pem "$O/quote/swtpm-localca-rootca.pem"
  cp /var/lib/swtpm-localca/issuercert.pem "$O/quote/swtpm-localca-issuer.pem"
  # host-side checks of the in-guest quotes (the TPM is gone; only signatures + digests can be checked)
  local cq1=missing cq2=missing cq1e="" cq2e=""
  if [[ -f $O/quote/quote.msg ]]; then
    if cq1e=$(tpm2_checkquote -u "$O/quote/ak.pub" -m "$O/quote/quote.msg" -s "$O/quote/quote.sig" \
        -f "$O/quote/quote.pcrs" -g sha256 -q "$NONCE" 2>&1); then cq1=pass; else cq1=fail; fi
  fi
  if [[ -f $O/quote/quote2.msg ]]; then
    if cq2e=$(tpm2_checkquote -u "$O/quote/ak2.pub" -m "$O/quote/quote2.msg" -s "$O/quote/quote2.sig" \
        -f "$O/quote/quote2.pcrs" -g sha256 -q "$NONCE" 2>&1); then cq2=pass; else cq2=fail; fi
  fi
  log "  in-guest quote checkquote: quote=$cq1 quote2=$cq2"
  [[ -s $O/binary_bios_measurements ]] || { log "boot $name: guest had no binary_bios_measurements"; return 1; }
  # replay the firmware log (independent node replay + tpm2_eventlog) and compare with the guest's sysfs PCRs
  local replay='null' evl='null' evl_rc=0 evl_err=""
  cmp_json() { # replay.json -> {matching, mismatching}
    jq -n --slurpfile r "$1" --slurpfile p "$O/pcrs.json" '
      [$r[0] | to_entries[] | .key as $b | .value | to_entries[] |
        {bank: $b, pcr: .key, ok: (.value == $p[0][$b][.key])}] as $l |
      {matching: [$l[] | select(.ok) | "\(.bank):\(.pcr)"], mismatching: [$l[] | select(.ok|not) | "\(.bank):\(.pcr)"]}'
  }
  if command -v node >/dev/null; then
    node "$(dirname "${BASH_SOURCE[0]}")/replay-log.mjs" "$O/binary_bios_measurements" >"$B/replay-node.json"
    jq '.replay' "$B/replay-node.json" >"$B/replay-node-pcrs.json"
    replay=$(jq --argjson c "$(cmp_json "$B/replay-node-pcrs.json")" '{events, event_types, trailing_bytes, pcr4_boot_services_application_sha256} + $c' "$B/replay-node.json")
  fi
  tpm2_eventlog "$O/binary_bios_measurements" >"$B/eventlog.yaml" 2>"$B/eventlog.err" || evl_rc=$?
  evl_err=$(grep -v '^$' "$B/eventlog.err" | sort | uniq -c | head -5 || true)
  if [[ $evl_rc -eq 0 ]]; then
    sed -n '/^pcrs:/,$p' "$B/eventlog.yaml" | pcrread_to_json >"$B/replay.json"
    evl=$(cmp_json "$B/replay.json")
  fi
  log "  replay(node) mismatching: $(jq -c '.mismatching' <<<"$replay"); tpm2_eventlog rc=$evl_rc mismatching: $(jq -c '.mismatching' <<<"$evl")"
  [[ -f $B/eventlog.yaml && $evl_rc -eq 0 ]] && cp "$B/eventlog.yaml" "$O/tpm2_eventlog.yaml"
  # TPM state after the boot (EK 0x81010001, in-guest RSA AK persisted at 0x81010002) + credential check
  mkdir -p "$O/tpmstate" "$O/credential"
  cp "$B/tpm/tpm2-00.permall" "$O/tpmstate/"
  local act=skipped
  if [[ -f $O/quote/ek.pub && -f $O/quote/ak.name ]]; then
    echo -n "bootproof ovmf credential secret" >"$O/credential/secret.bin"
    tpm2_makecredential -T none -u "$O/quote/ek.pub" -s "$O/credential/secret.bin" -n "$(hexfile "$O/quote/ak.name")" \
      -o "$O/credential/credential.blob" >/dev/null 2>&1
    if TPMSTATE="$O/tpmstate" bash "$(dirname "${BASH_SOURCE[0]}")/activate-credential.sh" "$O/credential/credential.blob" \
         "$O/credential/secret.bin" >"$B/activate.log" 2>&1; then act=pass; else act=fail; cat "$B/activate.log" >&2; fi
  fi
  log "  activatecredential against the saved state: $act"
  # console log (kept for provenance; kernel output is quiet)
  tr -d '\r' <"$B/console.log" | awk '/^@@BEGIN /{print; skip=1; next} /^@@END /{skip=0} !skip' >"$O/console-trimmed.log"
  # Authenticode hashes of the PE images the firmware loaded (for PCR 4 cross-checks)
  local auth='{}' img h
  for img in "$SHIM" "$GRUB" "$KERNEL"; do
    h=""
    if command -v pesign >/dev/null; then
      h=$(pesign -h -d sha256 -i "$img" 2>/dev/null | awk '/^hash:/ {print tolower($2); exit}')
    fi
    if [[ -z $h ]] && command -v osslsigncode >/dev/null; then
      h=$(osslsigncode verify -in "$img" 2>/dev/null | awk -F': ' '/Calculated message digest/ {print tolower($2); exit}' | tr -d ' ')
    fi
    auth=$(jq --arg k "$(basename "$img")" --arg v "$h" '. + {($k): $v}' <<<"$auth")
  done
  [[ $mode == esp ]] && cp "$B/esp.img.grub.cfg" "$O/grub.cfg"
  jq -n --arg name "$name" --arg code "$code" --arg vars "$vars" --arg mode "$mode" --arg kver "$KVER" \
    --arg cmdline "$CMDLINE" --arg nonce "$NONCE" --arg cq1 "$cq1" --arg cq2 "$cq2" \
    --arg cq1e "$(grep -E 'ERROR|WARN' <<<"$cq1e" | head -5)" --arg cq2e "$(grep -E 'ERROR|WARN' <<<"$cq2e" | head -5)" \
    --argjson auth "$auth" --arg act "$act" --arg note "$note" --argjson replay "$replay" --argjson evl "$evl" --arg evlrc "$evl_rc" --arg evlerr "$evl_err" --argjson tools "$(tool_versions_json)" --arg date "$(date -u +%Y-%m-%dT%H:%M:%SZ)" '{
    name: $name, recorded: $date, note: $note,
    firmware: {code: ("/usr/share/OVMF/" + $code), vars_template: ("/usr/share/OVMF/" + $vars), secure_boot: ($code|test("ms"))},
    boot: (if $mode=="direct" then "qemu -kernel /boot/vmlinuz-\($kver) -initrd <busybox initramfs> -append \"\($cmdline)\""
           else "FAT ESP (no partition table): EFI/BOOT/BOOTX64.EFI=shimx64.efi.signed, EFI/BOOT/grubx64.efi=grubx64.efi.signed, /vmlinuz=vmlinuz-\($kver), /initrd.img, grub.cfg" end),
    qemu: "qemu-system-x86_64 -machine q35 -accel tcg -m 1024 -smp 1, pflash CODE (ro) + VARS copy, -device tpm-tis with swtpm socket --tpm2 --ctrl type=unixio (no startup flags), -nic none",
    tpm: "swtpm_setup --tpm2 --create-ek-cert --create-platform-cert --pcr-banks sha1,sha256,sha384 (fresh state per boot)",
    kernel: $kver, cmdline: $cmdline,
    files: {
      binary_bios_measurements: "/sys/kernel/security/tpm0/binary_bios_measurements (TCG crypto-agile log, SpecID event first)",
      "pcrs.json": "/sys/class/tpm/tpm0/pcr-<bank>/<n> read in the guest after the log was dumped",
      ima_binary_runtime_measurements: "/sys/kernel/security/ima/binary_runtime_measurements (PCR 10)",
      ima_ascii_runtime_measurements: "/sys/kernel/security/ima/ascii_runtime_measurements",
      "quote/": "in-guest tpm2-tools over /dev/tpmrm0, same boot: ak.pub/ak.name/ak.pem (RSA-2048 RSASSA-SHA256 AK under EK 0x81010001), quote.msg (TPMS_ATTEST), quote.sig (TPMT_SIGNATURE), quote.pcrs, over sha256:0-9; ak2.* + quote2.* = ECDSA P-256 AK over sha1:0-9+sha256:0-9+sha384:0-9; ek.pub (TPM2B_PUBLIC), ek.pem, ek-rsa-cert.pem (NV 0x01c00002), pcrread.txt",
      "console-trimmed.log": "serial console with the base64 blocks removed",
      "tpm2_eventlog.yaml": "tpm2_eventlog 5.4 output for the log (for differential parser tests)",
      "tpmstate/tpm2-00.permall": "swtpm state after the boot; in-guest RSA AK persisted at 0x81010002 (PCR values are volatile and not in it)"
    },
    in_guest_quote: {nonce_hex: $nonce, selection: "sha256:0,1,2,3,4,5,6,7,8,9", sign_hash: "sha256",
      commands: ["tpm2_createak -C 0x81010001 -c ak.ctx -G rsa2048 -g sha256 -s rsassa -u ak.pub -n ak.name",
                 "tpm2_quote -c ak.ctx -l sha256:0,1,2,3,4,5,6,7,8,9 -q <nonce> -m quote.msg -s quote.sig -o quote.pcrs -g sha256",
                 "tpm2_createak -C 0x81010001 -c ak2.ctx -G ecc256 -g sha256 -s ecdsa -u ak2.pub -n ak2.name",
                 "tpm2_quote -c ak2.ctx -l sha1:0-9+sha256:0-9+sha384:0-9 -q <nonce> -m quote2.msg -s quote2.sig -o quote2.pcrs -g sha256"],
      host_tpm2_checkquote: {quote: $cq1, quote_errors: $cq1e, quote2: $cq2, quote2_errors: $cq2e}},
    authenticode_sha256: $auth,
    credential: {files: "credential/secret.bin, credential/credential.blob (tpm2_makecredential -T none -u quote/ek.pub -s secret.bin -n <quote/ak.name>)",
                 activatecredential_on_saved_tpmstate: $act,
                 recheck: "TPMSTATE=test-vectors/ovmf/\($name)/tpmstate scripts/record/activate-credential.sh BLOB [SECRET]"},
    replay_vs_sysfs: {"scripts/record/replay-log.mjs": $replay,
                      tpm2_eventlog: {rc: ($evlrc|tonumber), stderr: $evlerr, result: $evl}},
    tools: $tools}' >"$O/meta.json"
  find "$O" -type f -empty -delete
  rm -rf "$VECTORS/ovmf/$name"; mkdir -p "$VECTORS/ovmf"
  cp -r "$O" "$VECTORS/ovmf/$name"
  log "  wrote $VECTORS/ovmf/$name ($(du -sh "$O" | cut -f1))"
}

BOOTS=("$@"); [[ ${#BOOTS[@]} -gt 0 ]] || BOOTS=(plain-direct plain-esp sb-esp)
build_initramfs
failed=()
for b in "${BOOTS[@]}"; do boot "$b" || failed+=("$b"); done
if [[ ${#failed[@]} -gt 0 ]]; then log "FAILED boots: ${failed[*]}"; exit 1; fi
