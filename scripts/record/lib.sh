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
