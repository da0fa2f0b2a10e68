# Common helpers for the bootproof recorder scripts. Source, do not run.
# shellcheck shell=bash
set -euo pipefail

REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
VECTORS="${VECTORS:-$REPO_ROOT/test-vectors}"

# What every recorded guest shares: the fixed nonce of its in-guest quotes,
# sha256("bootproof in-guest quote nonce v1"), and its kernel command line.
NONCE="$(echo -n 'bootproof in-guest quote nonce v1' | openssl dgst -sha256 -r | cut -c1-64)"
CMDLINE="console=ttyS0,115200 quiet panic=-1"

log() { echo "[record] $*" >&2; }
die() { echo "[record] ERROR: $*" >&2; exit 1; }

need() {
  local c
  for c in "$@"; do command -v "$c" >/dev/null 2>&1 || die "missing tool: $c (apt-get install swtpm swtpm-tools tpm2-tools qemu-system-x86 ovmf busybox-static mtools dosfstools cpio linux-image-amd64 shim-signed grub-efi-amd64-signed openssl jq xxd)"; done
}

# package_versions_json PKG... -> {"pkg": "installed version", ...} (packages not installed are left out)
package_versions_json() {
  dpkg-query -W -f='${Package}\t${Version}\n' "$@" 2>/dev/null |
    jq -R -s 'split("\n") | map(select(length>0) | split("\t") | {(.[0]): .[1]}) | add'
}

# Tool versions (for meta.json / README)
tool_versions_json() {
  package_versions_json swtpm swtpm-tools tpm2-tools qemu-system-x86 ovmf openssl linux-image-amd64 busybox-static shim-signed grub-efi-amd64-signed
}

hexfile() { xxd -p -c 100000 "$1" | tr -d '\n'; }

# Convert `tpm2_pcrread` YAML-ish output (stdin) into {"sha256":{"0":"hex",...}}
pcrread_to_json() {
  awk '
    /^  [a-z0-9]+:$/ { bank=$1; sub(":","",bank); next }
    /^ +[0-9]+ *: *0x[0-9A-Fa-f]+/ {
      line=$0; gsub(/[ :]/," ",line); split(line,f," ");
      v=f[2]; sub("0x","",v); v=tolower(v);
      print bank "\t" f[1] "\t" v }' |
  jq -R -s 'split("\n") | map(select(length>0) | split("\t")) |
            reduce .[] as $r ({}; .[$r[0]][$r[1]] = $r[2])'
}

# ---------------------------------------------------------------------------------------------
# initramfs: busybox-static + tpm2-tools (+ shared libs, libtss2-tcti-device) + /init
# Uses $WORK, $BUSYBOX, $NONCE; writes $WORK/initrd.img. QUOTE_PCRS = the PCRs both in-guest
# quotes select (default 0-9).
# ---------------------------------------------------------------------------------------------
build_initramfs() {
  local R="$WORK/initramfs"
  rm -rf "$R"; mkdir -p "$R"/{bin,sbin,usr/bin,usr/sbin,lib64,lib/x86_64-linux-gnu,proc,sys,dev,tmp,etc}
  cp "$BUSYBOX" "$R/bin/busybox"
  ln -s busybox "$R/bin/sh"
  cp /usr/bin/tpm2 "$R/usr/bin/tpm2"
  local t
  for t in createak createek readpublic quote pcrread flushcontext nvread getcap startauthsession \
           policysecret getrandom evictcontrol; do ln -s tpm2 "$R/usr/bin/tpm2_$t"; done
  local libs lib
  libs=$( { ldd /usr/bin/tpm2; ldd /usr/lib/x86_64-linux-gnu/libtss2-tcti-device.so.0; } |
          awk '/=>/ {print $3} /^\t\/lib64/ {print $1}' | sort -u)
  for lib in $libs /usr/lib/x86_64-linux-gnu/libtss2-tcti-device.so.0; do
    case "$lib" in
      */ld-linux-x86-64.so.2) cp -L "$lib" "$R/lib64/ld-linux-x86-64.so.2" ;;
      *) cp -L "$lib" "$R/lib/x86_64-linux-gnu/$(basename "$lib")" ;;
    esac
  done
  cat >"$R/init" <<EOF
#!/bin/sh
NONCE=$NONCE
QP=${QUOTE_PCRS:-0,1,2,3,4,5,6,7,8,9}
EOF
  cat >>"$R/init" <<'EOF'
/bin/busybox --install -s
export PATH=/bin:/sbin:/usr/bin:/usr/sbin LD_LIBRARY_PATH=/lib/x86_64-linux-gnu
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
mount -t securityfs securityfs /sys/kernel/security
echo 1 >/proc/sys/kernel/printk
emit() { echo "@@BEGIN $1@@"; base64 "$2"; echo "@@END $1@@"; }
run() { echo "+ $*" >&2; "$@"; r=$?; echo "rc=$r" >&2; return $r; }
echo "@@BOOTPROOF INIT START@@"
uname -a
cat /proc/cmdline
SEC=/sys/kernel/security
[ -f $SEC/tpm0/binary_bios_measurements ] && emit binary_bios_measurements $SEC/tpm0/binary_bios_measurements
[ -f $SEC/ima/binary_runtime_measurements ] && emit ima_binary_runtime_measurements $SEC/ima/binary_runtime_measurements
[ -f $SEC/ima/ascii_runtime_measurements ] && emit ima_ascii_runtime_measurements $SEC/ima/ascii_runtime_measurements
for b in sha1 sha256 sha384 sha512; do
  d=/sys/class/tpm/tpm0/pcr-$b
  [ -d $d ] || continue
  for i in $(seq 0 23); do echo "$b $i $(cat $d/$i)"; done
done >/tmp/pcrs.txt
emit pcrs.txt /tmp/pcrs.txt
cat /sys/class/tpm/tpm0/tpm_version_major 2>/dev/null
[ -d /sys/firmware/efi/efivars ] || mount -t efivarfs efivarfs /sys/firmware/efi/efivars 2>/dev/null
SB=$(ls /sys/firmware/efi/efivars/ 2>/dev/null | grep '^SecureBoot-' | head -1)
[ -n "$SB" ] && echo "secureboot efivar: $(od -An -tx1 /sys/firmware/efi/efivars/$SB)"
dmesg | grep -i -E 'secure ?boot|lockdown|tpm' | head -20

# ---- in-guest quotes over /dev/tpmrm0 ----
export TPM2TOOLS_TCTI=device:/dev/tpmrm0
mkdir -p /tmp/q && cd /tmp/q && {
  echo "$NONCE" >nonce.hex
  run tpm2_readpublic -c 0x81010001 -o ek.pub -f tss >/dev/null
  run tpm2_readpublic -c 0x81010001 -o ek.pem -f pem >/dev/null
  run tpm2_nvread 0x01c00002 -o ek-rsa-cert.der
  run tpm2_flushcontext -t
  run tpm2_createak -C 0x81010001 -c ak.ctx -G rsa2048 -g sha256 -s rsassa -u ak.pub -n ak.name >/dev/null
  run tpm2_flushcontext -t
  run tpm2_readpublic -c ak.ctx -f pem -o ak.pem >/dev/null
  run tpm2_flushcontext -t
  run tpm2_quote -c ak.ctx -l sha256:$QP -q $NONCE -m quote.msg -s quote.sig -o quote.pcrs -g sha256 >quote.yaml
  run tpm2_flushcontext -t
  run tpm2_pcrread sha1:all+sha256:all+sha384:all >pcrread.txt
  # keep the RSA AK in the TPM state so the host can run ActivateCredential after the VM is gone
  run tpm2_evictcontrol -C o -c ak.ctx 0x81010002
  run tpm2_flushcontext -t
  # second AK (ECDSA P-256) quoting all three banks, the same PCRs
  run tpm2_createak -C 0x81010001 -c ak2.ctx -G ecc256 -g sha256 -s ecdsa -u ak2.pub -n ak2.name >/dev/null
  run tpm2_flushcontext -t
  run tpm2_readpublic -c ak2.ctx -f pem -o ak2.pem >/dev/null
  run tpm2_flushcontext -t
  run tpm2_quote -c ak2.ctx -l sha1:$QP+sha256:$QP+sha384:$QP -q $NONCE -m quote2.msg -s quote2.sig -o quote2.pcrs -g sha256 >quote2.yaml
  run tpm2_flushcontext -t
  for f in nonce.hex ek.pub ek.pem ek-rsa-cert.der ak.pub ak.name ak.pem quote.msg quote.sig quote.pcrs pcrread.txt \
           ak2.pub ak2.name ak2.pem quote2.msg quote2.sig quote2.pcrs; do
    [ -f $f ] && emit q/$f $f
  done
}
echo "@@BOOTPROOF INIT DONE@@"
sync
poweroff -f
EOF
  chmod +x "$R/init"
  (cd "$R" && find . | sort | cpio -o -H newc --quiet | gzip -9) >"$WORK/initrd.img"
  log "initramfs: $(du -h "$WORK/initrd.img" | cut -f1)"
}

extract() { # console name -> stdout (decoded)
  tr -d '\r' <"$1" | awk -v n="$2" '$0=="@@BEGIN " n "@@"{on=1;next} $0=="@@END " n "@@"{on=0;exit} on' | base64 -d
}

# ---------------------------------------------------------------------------------------------
# UKI boots under OVMF with swtpm (record-uki-boot.sh, record-uki-cel-boot.sh). Each works in
# $WORK; cleanup_work is their EXIT trap.
# ---------------------------------------------------------------------------------------------
cleanup_work() {
  [[ -f $WORK/swtpm.pid ]] && kill "$(cat "$WORK/swtpm.pid")" 2>/dev/null || true
  if [[ "${KEEP_WORK:-0}" != 1 ]]; then rm -rf "$WORK"; else log "kept $WORK"; fi
}

# write_uki_sections <initrd.img (gzip cpio)> <kernel> <kver> <cmdline> <os-release text> <dir>
# -> <dir>/{initrd,linux,cmdline,osrel,uname}, the section files both the UKI and systemd-measure use.
write_uki_sections() {
  local initrd="$1" kernel="$2" kver="$3" cmdline="$4" osrel="$5" dir="$6"
  mkdir -p "$dir"
  # xz with a CRC32 check: the kernel's initramfs decompressor does not support xz's default CRC64
  gzip -dc "$initrd" | xz -9e --check=crc32 >"$dir/initrd"
  cp "$kernel" "$dir/linux"
  printf '%s\n' "$cmdline" >"$dir/cmdline"
  printf '%s' "$osrel" >"$dir/osrel"
  printf '%s' "$kver" >"$dir/uname"
}

# assemble_uki <stub> <sections dir> <out.efi> <name>... : the stub plus .<name> = <dir>/<name>,
# in the order given (= PE section order), each at the next 4 KiB boundary after the stub's last
# section. (record-uki.sh places its sections at fixed addresses instead, with its own build_uki.)
assemble_uki() {
  local stub="$1" dir="$2" out="$3"; shift 3
  local next=0 name size vma args=()
  while read -r size vma; do
    if (( 0x$vma + 0x$size > next )); then next=$(( 0x$vma + 0x$size )); fi
  done < <(objdump -h "$stub" | awk 'NF==7 && $1 ~ /^[0-9]+$/ {print $3, $4}')
  for name in "$@"; do
    next=$(( (next + 4095) / 4096 * 4096 ))
    args+=(--add-section ".$name=$dir/$name" --change-section-vma ".$name=$(printf '0x%x' "$next")")
    next=$(( next + $(stat -c %s "$dir/$name") ))
  done
  objcopy "${args[@]}" "$stub" "$out"
}

# uki_stub_magic <stub> -> the stub's "LoaderInfo: systemd-stub <version>" string
uki_stub_magic() {
  tr -d '\0' <"$1" | grep -ao 'LoaderInfo: systemd-stub [^#]*' | head -1 | sed 's/ *$//'
}

# uki_recorder_defaults: the settings both UKI boot recorders share (each overridable from the
# environment where it reads one): the newest installed kernel, busybox, the QEMU time-out and
# the PCRs the in-guest quotes cover.
uki_recorder_defaults() {
  KVER="${KVER:-$(ls /boot/vmlinuz-* | sed 's|/boot/vmlinuz-||' | sort -V | tail -1)}"
  KERNEL="/boot/vmlinuz-$KVER"
  BUSYBOX="$(command -v busybox)"
  QEMU_TIMEOUT="${QEMU_TIMEOUT:-900}"
  QUOTE_PCRS=0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15
}

# start_ovmf_swtpm <dir> <OVMF variable store>
# A freshly provisioned swtpm for one OVMF boot (sha1, sha256, sha384 banks; EK and platform
# certificates) with its state in <dir>/tpm, its socket at <dir>/swtpm.sock and pid in
# <dir>/swtpm.pid, plus a writable copy of the variable store at <dir>/vars.fd. No --flags: the
# firmware sends TPM2_Startup itself. Returns once the socket is there.
start_ovmf_swtpm() {
  local d="$1" vars="$2"
  mkdir -p "$d/tpm"
  swtpm_setup --tpm2 --tpmstate "$d/tpm" --create-ek-cert --create-platform-cert --overwrite \
    --pcr-banks sha1,sha256,sha384 >"$d/swtpm_setup.log" 2>&1 || { cat "$d/swtpm_setup.log"; die "swtpm_setup"; }
  cp "$vars" "$d/vars.fd"
  swtpm socket --tpm2 --tpmstate dir="$d/tpm" --ctrl type=unixio,path="$d/swtpm.sock" \
    --terminate --pid file="$d/swtpm.pid" --log file="$d/swtpm.log",level=1 &
  for _ in $(seq 50); do [[ -S $d/swtpm.sock ]] && break; sleep 0.1; done
}

# boot_uki_ovmf <uki.efi> <work dir> <timeout s> <failed-console copy>
# Boots the UKI as \EFI\BOOT\BOOTX64.EFI of a bare FAT32 image under OVMF_CODE_4M.fd (QEMU TCG,
# no Secure Boot) with a freshly provisioned swtpm; the serial console goes to <work>/console.log.
# Sets BOOT_SECONDS. Dies (keeping the console at <failed-console copy>) unless the guest's /init
# finished. boot_uki_ovmf_meta_json describes this set-up for meta.json.
boot_uki_ovmf() {
  local uki="$1" w="$2" tmo="$3" failed="$4" ovmf=/usr/share/OVMF
  local esp="$w/esp.img" t0 rc=0
  truncate -s 64M "$esp"
  mkfs.vfat -F 32 -n BOOTPROOF "$esp" >/dev/null
  mmd -i "$esp" ::/EFI ::/EFI/BOOT
  mcopy -i "$esp" "$uki" ::/EFI/BOOT/BOOTX64.EFI
  start_ovmf_swtpm "$w" "$ovmf/OVMF_VARS_4M.fd"
  log "booting the UKI (OVMF_CODE_4M.fd, TCG) - timeout ${tmo}s; console: $w/console.log"
  t0=$SECONDS
  timeout "$tmo" qemu-system-x86_64 -machine q35 -accel tcg -m 1024 -smp 1 \
    -drive if=pflash,format=raw,unit=0,readonly=on,file="$ovmf/OVMF_CODE_4M.fd" \
    -drive if=pflash,format=raw,unit=1,file="$w/vars.fd" \
    -chardev socket,id=chrtpm,path="$w/swtpm.sock" -tpmdev emulator,id=tpm0,chardev=chrtpm \
    -device tpm-tis,tpmdev=tpm0 \
    -drive if=none,id=esp,format=raw,file="$esp" -device virtio-blk-pci,drive=esp,bootindex=1 \
    -nic none -display none -serial file:"$w/console.log" -monitor none -no-reboot >"$w/qemu.out" 2>&1 || rc=$?
  BOOT_SECONDS=$((SECONDS - t0))
  log "  qemu exited rc=$rc after ${BOOT_SECONDS}s"
  [[ -f $w/swtpm.pid ]] && kill "$(cat "$w/swtpm.pid")" 2>/dev/null || true
  wait 2>/dev/null || true
  if ! grep -q '@@BOOTPROOF INIT DONE@@' "$w/console.log"; then
    tail -c 3000 "$w/console.log" >&2; cat "$w/qemu.out" >&2
    cp "$w/console.log" "$failed"
    die "the UKI boot did not complete (console kept at $failed)"
  fi
}

boot_uki_ovmf_meta_json() {
  jq -n '{
    firmware: {code: "/usr/share/OVMF/OVMF_CODE_4M.fd", vars_template: "/usr/share/OVMF/OVMF_VARS_4M.fd", secure_boot: false},
    qemu: "qemu-system-x86_64 -machine q35 -accel tcg -m 1024 -smp 1, pflash CODE (ro) + VARS copy, -device tpm-tis with swtpm socket --tpm2 --ctrl type=unixio (no startup flags), -nic none",
    tpm: "swtpm_setup --tpm2 --create-ek-cert --create-platform-cert --pcr-banks sha1,sha256,sha384 (fresh state)"}'
}

# extract_guest_outputs <console> <out dir> [emitted name]...
# Decodes what build_initramfs's /init printed: binary_bios_measurements (required),
# ima_binary_runtime_measurements, pcrs.json (sysfs PCRs: bank -> index -> hex), quote/ (keys,
# quotes, nonce, EK certificate as PEM, swtpm's local CA certificates) and console-trimmed.log
# (the console without the base64 blocks); each extra emitted name, if present, to <out>/<name>.
# Files the guest did not emit are left out (no empty files).
extract_guest_outputs() {
  local con="$1" o="$2" f; shift 2
  mkdir -p "$o/quote"
  extract "$con" binary_bios_measurements >"$o/binary_bios_measurements"
  [[ -s $o/binary_bios_measurements ]] || die "the guest had no binary_bios_measurements"
  for f in ima_binary_runtime_measurements "$@"; do
    extract "$con" "$f" >"$o/$f" || true
    [[ -s $o/$f ]] || rm -f "$o/$f"
  done
  extract "$con" pcrs.txt | awk '{v=tolower($3); print $1 "\t" $2 "\t" v}' |
    jq -R -s 'split("\n") | map(select(length>0) | split("\t")) | reduce .[] as $r ({}; .[$r[0]][$r[1]] = $r[2])' >"$o/pcrs.json"
  for f in nonce.hex ek.pub ek.pem ek-rsa-cert.der ak.pub ak.name ak.pem quote.msg quote.sig quote.pcrs pcrread.txt \
           ak2.pub ak2.name ak2.pem quote2.msg quote2.sig quote2.pcrs; do
    extract "$con" "q/$f" >"$o/quote/$f" 2>/dev/null || true
    [[ -s $o/quote/$f ]] || rm -f "$o/quote/$f"
  done
  tr -d '\n' <"$o/quote/nonce.hex" >"$o/quote/nonce.tmp" && mv "$o/quote/nonce.tmp" "$o/quote/nonce.hex"
  if [[ -f $o/quote/ek-rsa-cert.der ]]; then
    openssl x509 -inform der -in "$o/quote/ek-rsa-cert.der" -out "$o/quote/ek-rsa-cert.pem"
    rm "$o/quote/ek-rsa-cert.der"
  fi
  cp /var/lib/swtpm-localca/swtpm-localca-rootca-cert.pem "$o/quote/swtpm-localca-rootca.pem"
  cp /var/lib/swtpm-localca/issuercert.pem "$o/quote/swtpm-localca-issuer.pem"
  tr -d '\r' <"$con" | awk '/^@@BEGIN /{print; skip=1; next} /^@@END /{skip=0} !skip' >"$o/console-trimmed.log"
}

# checkquote <quote dir> <ak> <quote> <nonce hex> -> "pass" or "fail" (tpm2_checkquote on
# <ak>.pub and <quote>.{msg,sig,pcrs}, signed with SHA-256)
checkquote() {
  local d="$1"
  tpm2_checkquote -u "$d/$2.pub" -m "$d/$3.msg" -s "$d/$3.sig" -f "$d/$3.pcrs" -g sha256 -q "$4" >/dev/null 2>&1 && echo pass || echo fail
}

# firmware_replay_mismatch <binary_bios_measurements> <pcrs.json> <replay.json out>
# -> JSON list of "bank:index" whose replay-log.mjs value differs from pcrs.json
firmware_replay_mismatch() {
  node "$REPO_ROOT/scripts/record/replay-log.mjs" "$1" >"$3"
  jq -c --slurpfile p "$2" '[.replay | to_entries[] | .key as $b | .value | to_entries[] |
    select(.value != $p[0][$b][.key]) | "\($b):\(.key)"]' "$3"
}
