// go-attestation peer of `npm run bench` (bench/peers.mjs runs `go run -mod=mod . <logs...>`).
//
// Per log: attest.ParseEventLog + EventLog.Verify against the PCR values the log replays to
// (sha1 and sha256 banks), i.e. parse + replay + compare. Prints one line per log:
// <file> TAB <µs per ParseEventLog+Verify, median of 7 rounds> TAB <ok | error>.
// Not run where Go is absent (the bench prints "not installed").
package main

import (
	"crypto"
	"fmt"
	"os"
	"sort"
	"strings"
	"time"

	"github.com/google/go-attestation/attest"
)

func replayed(el *attest.EventLog) []attest.PCR {
	var out []attest.PCR
	for _, alg := range el.Algs {
		var h crypto.Hash
		switch alg {
		case attest.HashSHA1:
			h = crypto.SHA1
		case attest.HashSHA256:
			h = crypto.SHA256
		default:
			continue
		}
		vals := map[int][]byte{}
		for _, ev := range el.Events(alg) {
			if uint32(ev.Type) == 3 || len(ev.Digest) != h.Size() { // EV_NO_ACTION is never extended
				continue
			}
			v, ok := vals[ev.Index]
			if !ok {
				v = make([]byte, h.Size())
			}
			x := h.New()
			x.Write(v)
			x.Write(ev.Digest)
			vals[ev.Index] = x.Sum(nil)
		}
		for i, v := range vals {
			out = append(out, attest.PCR{Index: i, Digest: v, DigestAlg: h})
		}
	}
	return out
}

func oneLine(err error) string { return strings.ReplaceAll(err.Error(), "\n", " ") }

func main() {
	for _, f := range os.Args[1:] {
		b, err := os.ReadFile(f)
		if err != nil {
			fmt.Printf("%s\t0\tread: %s\n", f, oneLine(err))
			continue
		}
		el, err := attest.ParseEventLog(b)
		if err != nil {
			fmt.Printf("%s\t0\tparse error: %s\n", f, oneLine(err))
			continue
		}
		pcrs := replayed(el)
		if _, err := el.Verify(pcrs); err != nil {
			fmt.Printf("%s\t0\tverify error: %s\n", f, oneLine(err))
			continue
		}
		work := func() {
			l, _ := attest.ParseEventLog(b)
			l.Verify(pcrs)
		}
		round := func(d time.Duration) float64 {
			n := 0
			t0 := time.Now()
			for time.Since(t0) < d {
				work()
				n++
			}
			return float64(time.Since(t0).Microseconds()) / float64(n)
		}
		round(40 * time.Millisecond)
		rs := make([]float64, 7)
		for i := range rs {
			rs[i] = round(15 * time.Millisecond)
		}
		sort.Float64s(rs)
		fmt.Printf("%s\t%.2f\tok\n", f, rs[3])
	}
}
