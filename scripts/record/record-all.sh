#!/usr/bin/env bash
# Entry point: re-record every bootproof test vector on a Debian 12 host (root, for swtpm_setup
# and /var/lib/swtpm-localca). Needs:
#   apt-get install -y swtpm swtpm-tools tpm2-tools qemu-system-x86 ovmf busybox-static \
#     mtools dosfstools cpio linux-image-amd64 shim-signed grub-efi-amd64-signed openssl jq xxd pesign
# CI does not run this; it uses the committed outputs under test-vectors/.
# Outputs are not byte-reproducible (fresh TPM state, keys, nonces, signatures every run).
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
HERE="$(dirname "${BASH_SOURCE[0]}")"
bash "$HERE/record-quotes.sh"
bash "$HERE/activate-credential.sh" "$VECTORS/quotes/credential/credential.blob" "$VECTORS/quotes/credential/secret.bin"
bash "$HERE/record-ovmf.sh" "$@"
bash "$HERE/write-readme.sh"
log "all vectors recorded; see $VECTORS/README.md"
