# Common helpers for the bootproof recorder scripts. Source, do not run.
# shellcheck shell=bash
set -euo pipefail

REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
VECTORS="${VECTORS:-$REPO_ROOT/test-vectors}"

log() { echo "[record] $*" >&2; }
die() { echo "[record] ERROR: $*" >&2; exit 1; }

need() {
  local c
  for c in "$@"; do command -v "$c" >/dev/null 2>&1 || die "missing tool: $c (apt-get install swtpm swtpm-tools tpm2-tools qemu-system-x86 ovmf busybox-static mtools dosfstools cpio linux-image-amd64 shim-signed grub-efi-amd64-signed openssl jq xxd)"; done
}

# Tool versions (for meta.json / README)
tool_versions_json() {
  dpkg-query -W -f='${Package}\t${Version}\n' swtpm swtpm-tools tpm2-tools qemu-system-x86 ovmf openssl linux-image-amd64 busybox-static shim-signed grub-efi-amd64-signed 2>/dev/null |
    jq -R -s 'split("\n") | map(select(length>0) | split("\t") | {(.[0]): .[1]}) | add'
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
