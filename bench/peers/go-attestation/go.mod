module bootproof.bench/goattestation

go 1.21

require github.com/google/go-attestation v0.5.1
