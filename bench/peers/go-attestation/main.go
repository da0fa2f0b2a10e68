// go-attestation peer of `npm run bench` (bench/peers.mjs runs `go run -mod=mod . <logs...>`, or
// the binary named by BOOTPROOF_GO_ATTESTATION_BIN when set: this program built by other means).
//
// Per log, two timings (process CPU µs per call, median of 7 rounds of 15 ms after a 40 ms warm-up):
//   - parse + replay: attest.ParseEventLog + EventLog.Verify against the PCR values the log
//     replays to (sha1 and sha256 banks);
//   - with boot state: the same + attest.ParseSecurebootState and attest.ParseWinEvents on the
//     verified events (what go-attestation derives of a boot; a log it cannot derive state from
//     reports the error instead of a time).
//
// Prints one line per log:
// <file> TAB <µs parse+replay> TAB <ok | error> TAB <µs with boot state, 0 if none> TAB <ok | error>.
// Not run where Go is absent (the bench prints "not installed").
package main

import (
	"crypto"
	"fmt"
	"os"
	"sort"
	"strings"
	"syscall"
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
		// PCR 0 starts at the locality a StartupLocality event names (TCG PC Client PFP 10.4.5.3),
		// as go-attestation's own replay does; without it, its Verify rejects such logs.
		var locality byte
		for _, ev := range el.Events(alg) {
			if uint32(ev.Type) == 3 { // EV_NO_ACTION is never extended
				if ev.Index == 0 && len(ev.Data) == 17 && strings.HasPrefix(string(ev.Data), "StartupLocality") {
					locality = ev.Data[16]
				}
				continue
			}
			if len(ev.Digest) != h.Size() {
				continue
			}
			v, ok := vals[ev.Index]
			if !ok {
				v = make([]byte, h.Size())
				if ev.Index == 0 {
					v[h.Size()-1] = locality
				}
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
		fmt.Printf("%s\t%.2f\tok", f, timeIt(func() {
			l, _ := attest.ParseEventLog(b)
			l.Verify(pcrs)
		}))
		events, _ := el.Verify(pcrs)
		if _, err := attest.ParseSecurebootState(events); err != nil {
			fmt.Printf("\t0\tsecure boot state: %s\n", oneLine(err))
			continue
		}
		if _, err := attest.ParseWinEvents(events); err != nil {
			fmt.Printf("\t0\twindows events: %s\n", oneLine(err))
			continue
		}
		fmt.Printf("\t%.2f\tok\n", timeIt(func() {
			l, _ := attest.ParseEventLog(b)
			ev, _ := l.Verify(pcrs)
			attest.ParseSecurebootState(ev)
			attest.ParseWinEvents(ev)
		}))
	}
}

// timeIt returns the median process CPU µs (user + system, every thread: Go's GC runs beside the
// caller) per call of work over 7 rounds of 15 ms, after a 40 ms warm-up: the same method as the
// bootproof side of the bench (process.cpuUsage).
func timeIt(work func()) float64 {
	cpu := func() time.Duration {
		var ru syscall.Rusage
		syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
		return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
	}
	round := func(d time.Duration) float64 {
		n := 0
		t0 := time.Now()
		c0 := cpu()
		for time.Since(t0) < d {
			work()
			n++
		}
		return float64((cpu() - c0).Microseconds()) / float64(n)
	}
	round(40 * time.Millisecond)
	rs := make([]float64, 7)
	for i := range rs {
		rs[i] = round(15 * time.Millisecond)
	}
	sort.Float64s(rs)
	return rs[3]
}
