// Benchmark peer for offline token verification: AIStore v1.5.0's own token validation
// (github.com/NVIDIA/aistore/cmd/authn/tok, as an AIS proxy makes it in ais/prxauth.go:
// NewStaticKeyProvider from the cluster's auth config, then TokenParser.ValidateToken).
//
// Run by the verify bench (benches/verify/); not meant to be run by hand:
//
//	verify-go --fixtures FIXTURES.json --alg hs256|rs256 --budget SECS --max-iters N --warmup N
//
// It validates the fixture's token in a loop on one goroutine for up to --budget seconds (or
// --max-iters validations), checks every result, and prints one JSON line.
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"syscall"
	"time"

	"github.com/NVIDIA/aistore/cmd/authn/tok"
	"github.com/NVIDIA/aistore/cmn"
)

// fixture is one algorithm's entry of the fixtures file the Rust harness writes.
type fixture struct {
	Token   string `json:"token"`
	Key     string `json:"key"` // the HMAC secret, or the RSA public key in PEM
	Subject string `json:"subject"`
}

type result struct {
	Impl     string  `json:"impl"`
	Alg      string  `json:"alg"`
	Iters    int     `json:"iters"`
	ElapsedS float64 `json:"elapsed_s"`
	CPUS     float64 `json:"cpu_s"`
}

func die(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "verify-go: "+format+"\n", args...)
	os.Exit(1)
}

// cpuSeconds is this process's user + system CPU time so far (all threads: the GC's too).
func cpuSeconds() float64 {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return float64(ru.Utime.Nano()+ru.Stime.Nano()) / 1e9
}

func main() {
	fixtures := flag.String("fixtures", "", "fixtures JSON file")
	alg := flag.String("alg", "", "hs256 or rs256")
	budget := flag.Float64("budget", 2, "seconds")
	maxIters := flag.Int("max-iters", 1<<30, "validations")
	warmup := flag.Int("warmup", 1000, "validations before timing")
	flag.Parse()
	raw, err := os.ReadFile(*fixtures)
	if err != nil {
		die("%v", err)
	}
	var all map[string]fixture
	if err := json.Unmarshal(raw, &all); err != nil {
		die("%v", err)
	}
	f, ok := all[*alg]
	if !ok {
		die("no fixture %q", *alg)
	}
	// As a proxy configured with the key in its config: the environment would take precedence.
	os.Unsetenv("AIS_AUTHN_SECRET_KEY")
	os.Unsetenv("AIS_AUTHN_PUBLIC_KEY")
	method := map[string]string{"hs256": "HS256", "rs256": "RS256"}[*alg]
	conf := &cmn.AuthConf{Signature: &cmn.AuthSignatureConf{Key: cmn.Censored(f.Key), Method: method}}
	keys, err := tok.NewStaticKeyProvider(conf)
	if err != nil {
		die("key provider: %v", err)
	}
	parser := tok.NewTokenParser(keys, conf)
	ctx := context.Background()
	validate := func() {
		claims, err := parser.ValidateToken(ctx, f.Token)
		if err != nil {
			die("ValidateToken: %v", err)
		}
		if claims.Subject != f.Subject || len(claims.ClusterACLs) == 0 {
			die("ValidateToken: unexpected claims %v", claims)
		}
	}
	for i := 0; i < *warmup; i++ {
		validate()
	}
	deadline := time.Duration(*budget * float64(time.Second))
	iters := 0
	cpu0 := cpuSeconds()
	start := time.Now()
	// The clock is read every 16 validations, as the Rust workers do.
	for iters < *maxIters && time.Since(start) < deadline {
		for j := 0; j < 16 && iters < *maxIters; j++ {
			validate()
			iters++
		}
	}
	elapsed := time.Since(start)
	cpuS := cpuSeconds() - cpu0
	out, _ := json.Marshal(result{Impl: "go", Alg: *alg, Iters: iters, ElapsedS: elapsed.Seconds(), CPUS: cpuS})
	fmt.Println(string(out))
}
