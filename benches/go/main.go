// Benchmark peer: the Go AuthN client (github.com/NVIDIA/aistore/api/authn v1.5.0) driven
// through the same operations as the Rust SDK, the raw-HTTP limit and the Python SDK.
//
// Run by the authn_peers bench (benches/authn_peers/); not meant to be run by hand:
//
//	go-peer --spec SPEC.json --op OP --budget SECS --max-iters N --warmup N --count-iters K
//
// It times OP against spec.url for up to --budget seconds (or --max-iters iterations), then
// runs it --count-iters more times against spec.proxy_url (the harness's counting proxy),
// and prints one JSON line with the results.
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"math"
	"os"
	"sort"
	"sync"
	"syscall"
	"time"

	"github.com/NVIDIA/aistore/api"
	"github.com/NVIDIA/aistore/api/authn"
	"github.com/NVIDIA/aistore/cmn"
)

type spec struct {
	URL       string   `json:"url"`
	ProxyURL  string   `json:"proxy_url"`
	Token     string   `json:"token"`
	User      string   `json:"user"`
	Role      string   `json:"role"`
	Roles1    []string `json:"roles1"`
	Roles5    []string `json:"roles5"`
	NewUser   string   `json:"new_user_prefix"`
	Password  string   `json:"password"`
	UpdUser   string   `json:"upd_user"`
	LoginUser string   `json:"login_user"`
	Threads   int      `json:"threads"`
}

type result struct {
	Peer       string  `json:"peer"`
	Op         string  `json:"op"`
	Threads    int     `json:"threads"`
	Iters      int     `json:"iters"`
	ElapsedS   float64 `json:"elapsed_s"`
	OpsPerS    float64 `json:"ops_per_s"`
	P50Us      float64 `json:"p50_us"`
	P99Us      float64 `json:"p99_us"`
	RssKiB     int64   `json:"rss_kib"`
	CPUS       float64 `json:"cpu_s"`
	CountIters int     `json:"count_iters"`
}

func die(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "go-peer: "+format+"\n", args...)
	os.Exit(1)
}

func roles(names []string) []*authn.Role {
	out := make([]*authn.Role, len(names))
	for i, n := range names {
		// AuthN resolves a user's roles by name; the Go client sends what it is given.
		out[i] = &authn.Role{Name: n}
	}
	return out
}

// makeOp returns one iteration of op against url; mt says the op is the multi-threaded one.
func makeOp(s *spec, op, url string) (func() error, bool) {
	bp := api.BaseParams{Client: cmn.NewClient(cmn.TransportArgs{}), URL: url, Token: s.Token, UA: "bench-go"}
	newUser := s.NewUser + "-go"
	switch op {
	case "get_user":
		return func() error { _, err := authn.GetUser(bp, s.User); return err }, false
	case "get_user_mt":
		return func() error { _, err := authn.GetUser(bp, s.User); return err }, true
	case "list_users":
		return func() error { _, err := authn.GetAllUsers(bp); return err }, false
	case "get_role":
		return func() error { _, err := authn.GetRole(bp, s.Role); return err }, false
	case "list_roles":
		return func() error { _, err := authn.GetAllRoles(bp); return err }, false
	case "create_delete_1", "create_delete_5":
		names := s.Roles1
		if op == "create_delete_5" {
			names = s.Roles5
		}
		return func() error {
			if err := authn.AddUser(bp, &authn.User{ID: newUser, Password: s.Password, Roles: roles(names)}); err != nil {
				return err
			}
			return authn.DeleteUser(bp, newUser)
		}, false
	case "update_password":
		return func() error {
			return authn.UpdateUser(bp, &authn.User{ID: s.UpdUser, Password: s.Password})
		}, false
	case "update_roles_5":
		return func() error {
			return authn.UpdateUser(bp, &authn.User{ID: s.UpdUser, Roles: roles(s.Roles5)})
		}, false
	case "login":
		anon := bp
		anon.Token = ""
		return func() error { _, err := authn.LoginUser(anon, s.LoginUser, s.Password, nil); return err }, false
	}
	die("unknown op %q", op)
	return nil, false
}

// cpuSeconds is this process's user + system CPU time so far.
func cpuSeconds() float64 {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return float64(ru.Utime.Nano()+ru.Stime.Nano()) / 1e9
}

func percentile(sorted []time.Duration, q float64) float64 {
	if len(sorted) == 0 {
		return 0
	}
	i := int(math.Ceil(q*float64(len(sorted)))) - 1
	if i < 0 {
		i = 0
	}
	return float64(sorted[i].Nanoseconds()) / 1e3
}

func main() {
	specPath := flag.String("spec", "", "spec JSON file")
	op := flag.String("op", "", "operation")
	budget := flag.Float64("budget", 2, "seconds")
	maxIters := flag.Int("max-iters", 100000, "iterations")
	warmup := flag.Int("warmup", 10, "iterations")
	countIters := flag.Int("count-iters", 3, "iterations through the counting proxy")
	flag.Parse()
	raw, err := os.ReadFile(*specPath)
	if err != nil {
		die("%v", err)
	}
	var s spec
	if err := json.Unmarshal(raw, &s); err != nil {
		die("%v", err)
	}
	run, mt := makeOp(&s, *op, s.URL)
	threads := 1
	if mt {
		threads = s.Threads
	}
	for i := 0; i < *warmup; i++ {
		if err := run(); err != nil {
			die("%s (warm-up): %v", *op, err)
		}
	}
	deadline := time.Duration(*budget * float64(time.Second))
	perThread := make([][]time.Duration, threads)
	var wg sync.WaitGroup
	var failed error
	var mu sync.Mutex
	cpu0 := cpuSeconds()
	start := time.Now()
	for t := 0; t < threads; t++ {
		wg.Add(1)
		go func(t int) {
			defer wg.Done()
			lat := make([]time.Duration, 0, 1024)
			for len(lat) < *maxIters/threads && time.Since(start) < deadline {
				t0 := time.Now()
				if err := run(); err != nil {
					mu.Lock()
					failed = err
					mu.Unlock()
					return
				}
				lat = append(lat, time.Since(t0))
			}
			perThread[t] = lat
		}(t)
	}
	wg.Wait()
	elapsed := time.Since(start)
	cpuS := cpuSeconds() - cpu0
	if failed != nil {
		die("%s: %v", *op, failed)
	}
	var all []time.Duration
	for _, l := range perThread {
		all = append(all, l...)
	}
	sort.Slice(all, func(i, j int) bool { return all[i] < all[j] })

	counted, _ := makeOp(&s, *op, s.ProxyURL)
	for i := 0; i < *countIters; i++ {
		if err := counted(); err != nil {
			die("%s (counting): %v", *op, err)
		}
	}
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	out, _ := json.Marshal(result{
		Peer: "go", Op: *op, Threads: threads, Iters: len(all), ElapsedS: elapsed.Seconds(),
		OpsPerS: float64(len(all)) / elapsed.Seconds(),
		P50Us:   percentile(all, 0.50), P99Us: percentile(all, 0.99),
		RssKiB: ru.Maxrss, CPUS: cpuS, CountIters: *countIters,
	})
	fmt.Println(string(out))
}
