package bayeux

// BenchmarkHeldConnects holds N concurrent long-polls (default 10,000) against a
// Server running in a child process (this test binary re-executed), so the server's
// RSS is measured alone, then delivers notifications at 1,000/s to random sessions
// and reports delivery latency. Run with:
//
//	go test -run '^$' -bench HeldConnects -benchtime 1x ./internal/bayeux/
//
// BAYEUX_BENCH_CONNECTS overrides N.

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"os/exec"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

const benchServerEnv = "BAYEUX_BENCH_SERVER"

func TestMain(m *testing.M) {
	if os.Getenv(benchServerEnv) == "1" {
		if err := runBenchServer(os.Stdin, os.Stdout); err != nil {
			fmt.Fprintln(os.Stderr, "bench server:", err)
			os.Exit(1)
		}
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// raiseFileLimit lifts the soft RLIMIT_NOFILE to the hard limit and returns it.
func raiseFileLimit() (uint64, error) {
	var lim syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil {
		return 0, err
	}
	lim.Cur = lim.Max
	if err := syscall.Setrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil {
		return 0, err
	}
	return lim.Cur, nil
}

// runBenchServer serves a Server on 127.0.0.1 plus two control endpoints, prints
// `LISTENING host:port`, and stops when stdin closes.
func runBenchServer(stdin io.Reader, stdout io.Writer) error {
	if _, err := raiseFileLimit(); err != nil {
		return fmt.Errorf("raising RLIMIT_NOFILE: %w", err)
	}
	s := NewServer(ServerOptions{
		Timeout:     120 * time.Second,
		MaxInterval: 120 * time.Second,
		Authenticate: func(r *http.Request) (string, error) {
			return r.Header.Get("X-User"), nil
		},
	})
	mux := http.NewServeMux()
	mux.Handle("/cometd", s)
	mux.HandleFunc("POST /control/deliver", func(w http.ResponseWriter, r *http.Request) {
		data, err := io.ReadAll(r.Body)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		s.Deliver(r.URL.Query().Get("principal"), r.URL.Query().Get("channel"), json.RawMessage(data))
	})
	mux.HandleFunc("GET /control/stats", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, `{"sessions":%d,"held":%d}`, s.Sessions(), s.heldConnects())
	})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	srv := &http.Server{Handler: mux}
	go srv.Serve(ln)
	fmt.Fprintf(stdout, "LISTENING %s\n", ln.Addr())
	_, _ = io.Copy(io.Discard, stdin) // returns when the parent closes our stdin
	s.Close()
	return srv.Close()
}

type benchStats struct{ Sessions, Held int }

func BenchmarkHeldConnects(b *testing.B) {
	connects := 10_000
	if v := os.Getenv("BAYEUX_BENCH_CONNECTS"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n <= 0 {
			b.Fatalf("BAYEUX_BENCH_CONNECTS=%q: want a positive integer", v)
		}
		connects = n
	}
	limit, err := raiseFileLimit()
	if err != nil {
		b.Fatalf("raising RLIMIT_NOFILE: %v", err)
	}
	if limit < uint64(connects)+256 {
		b.Fatalf("RLIMIT_NOFILE hard limit %d is too low for %d connections (each process needs one fd per connection)", limit, connects)
	}

	child, base := startBenchServer(b)
	httpc := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: connects + 100, IdleConnTimeout: 5 * time.Minute}}

	const rate, seconds = 1000, 5
	// Room for every latency, so receivers never block on the collector.
	latencies := make(chan time.Duration, 2*rate*seconds)
	clients := make([]*Client, connects)
	sem := make(chan struct{}, 64) // bounded handshake concurrency keeps the accept queue short
	var wg sync.WaitGroup
	var setupErr error
	var errOnce sync.Once
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	start := time.Now()
	for i := range clients {
		user := "u" + strconv.Itoa(i)
		c := NewClient(base+"/cometd", ClientOptions{HTTPClient: httpc, Prepare: func(r *http.Request) { r.Header.Set("X-User", user) }})
		clients[i] = c
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			if err := c.Handshake(ctx); err != nil {
				errOnce.Do(func() { setupErr = err })
				return
			}
			if err := c.Subscribe(ctx, "/v2/me/chats"); err != nil {
				errOnce.Do(func() { setupErr = err })
			}
		}()
		go func() {
			for m := range c.Messages() {
				var d struct{ Sent int64 }
				if json.Unmarshal(m.Data, &d) == nil {
					latencies <- time.Since(time.Unix(0, d.Sent))
				}
			}
		}()
	}
	wg.Wait()
	if setupErr != nil {
		b.Fatalf("setting up %d clients: %v", connects, setupErr)
	}
	held := waitHeld(b, httpc, base, connects)
	b.Logf("%d clients handshaken, subscribed and held in %v", connects, time.Since(start).Round(time.Millisecond))
	rssHeld := readRSS(b, child.Process.Pid, "VmRSS")

	b.ResetTimer()
	sent := deliverAtRate(b, httpc, base, connects, rate, rate*seconds)
	got := collect(latencies, sent, 15*time.Second)
	b.StopTimer()

	rssPeak := readRSS(b, child.Process.Pid, "VmHWM")
	slices.Sort(got)
	b.ReportMetric(float64(held), "held-connects")
	b.ReportMetric(float64(rssHeld)/1024, "server-RSS-MiB")
	b.ReportMetric(float64(rssPeak)/1024, "server-peak-RSS-MiB")
	b.ReportMetric(float64(len(got)), "delivered")
	b.ReportMetric(float64(sent-len(got)), "lost")
	if len(got) > 0 {
		b.ReportMetric(ms(got[len(got)/2]), "p50-ms")
		b.ReportMetric(ms(got[len(got)*99/100]), "p99-ms")
		b.ReportMetric(ms(got[len(got)-1]), "max-ms")
	}
	if len(got) != sent {
		b.Errorf("delivered %d of %d notifications", len(got), sent)
	}

	var dwg sync.WaitGroup
	for _, c := range clients {
		dwg.Add(1)
		sem <- struct{}{}
		go func() {
			defer dwg.Done()
			defer func() { <-sem }()
			_ = c.Disconnect(ctx)
		}()
	}
	dwg.Wait()
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

// startBenchServer re-executes this test binary as the server and returns it and its base URL.
func startBenchServer(b *testing.B) (*exec.Cmd, string) {
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), benchServerEnv+"=1")
	cmd.Stderr = os.Stderr
	stdin, err := cmd.StdinPipe()
	if err != nil {
		b.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		b.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() {
		stdin.Close()
		_ = cmd.Wait()
	})
	line, err := bufio.NewReader(stdout).ReadString('\n')
	if err != nil || !strings.HasPrefix(line, "LISTENING ") {
		b.Fatalf("bench server did not start: %q %v", line, err)
	}
	return cmd, "http://" + strings.TrimSpace(strings.TrimPrefix(line, "LISTENING "))
}

func stats(httpc *http.Client, base string) (benchStats, error) {
	resp, err := httpc.Get(base + "/control/stats")
	if err != nil {
		return benchStats{}, err
	}
	defer resp.Body.Close()
	var st benchStats
	err = json.NewDecoder(resp.Body).Decode(&st)
	return st, err
}

// waitHeld polls the server until want connects are held, and returns the count.
func waitHeld(b *testing.B, httpc *http.Client, base string, want int) int {
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	deadline := time.After(2 * time.Minute)
	for {
		st, err := stats(httpc, base)
		if err != nil {
			b.Fatal(err)
		}
		if st.Held >= want {
			return st.Held
		}
		select {
		case <-tick.C:
		case <-deadline:
			b.Fatalf("only %d of %d connects held (%d sessions) after 2 minutes", st.Held, want, st.Sessions)
		}
	}
}

// deliverAtRate asks the server to deliver total notifications, rate per second, each
// to a random session, stamped with the send time. It returns how many were sent.
func deliverAtRate(b *testing.B, httpc *http.Client, base string, sessions, rate, total int) int {
	jobs := make(chan int, rate)
	var wg sync.WaitGroup
	var mu sync.Mutex
	var firstErr error
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for user := range jobs {
				body := fmt.Sprintf(`{"sent":%d}`, time.Now().UnixNano())
				url := fmt.Sprintf("%s/control/deliver?principal=u%d&channel=/v2/me/chats", base, user)
				resp, err := httpc.Post(url, "application/json", strings.NewReader(body))
				if err == nil {
					_, _ = io.Copy(io.Discard, resp.Body)
					resp.Body.Close()
				}
				if err != nil {
					mu.Lock()
					firstErr = err
					mu.Unlock()
				}
			}
		}()
	}
	tick := time.NewTicker(time.Second / time.Duration(rate))
	defer tick.Stop()
	for range total {
		<-tick.C
		jobs <- rand.IntN(sessions)
	}
	close(jobs)
	wg.Wait()
	if firstErr != nil {
		b.Fatalf("control deliver: %v", firstErr)
	}
	return total
}

// collect gathers up to want latencies, giving up after wait.
func collect(latencies <-chan time.Duration, want int, wait time.Duration) []time.Duration {
	got := make([]time.Duration, 0, want)
	deadline := time.After(wait)
	for len(got) < want {
		select {
		case d := <-latencies:
			got = append(got, d)
		case <-deadline:
			return got
		}
	}
	return got
}

// readRSS returns a /proc/<pid>/status memory field (VmRSS, VmHWM) in KiB.
func readRSS(b *testing.B, pid int, field string) int {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		b.Fatalf("reading server memory: %v", err)
	}
	for _, line := range strings.Split(string(data), "\n") {
		if rest, ok := strings.CutPrefix(line, field+":"); ok {
			kib, err := strconv.Atoi(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(rest), "kB")))
			if err != nil {
				b.Fatalf("parsing %s %q: %v", field, line, err)
			}
			return kib
		}
	}
	b.Fatalf("no %s in /proc/%d/status", field, pid)
	return 0
}
