package recorder

import (
	"bufio"
	"fmt"
	"io"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"os/exec"
	"runtime"
	"strconv"
	"strings"
	"testing"
)

// newProxies starts a bare httputil.ReverseProxy and a Recorder (writing to dir),
// both forwarding to upstream.
func newProxies(upstream, dir string) (bare, recording *httptest.Server, rec *Recorder, err error) {
	target, err := url.Parse(upstream)
	if err != nil {
		return nil, nil, nil, err
	}
	bare = httptest.NewServer(&httputil.ReverseProxy{
		Rewrite:   func(pr *httputil.ProxyRequest) { pr.SetURL(target); pr.Out.Host = pr.In.Host },
		Transport: benchTransport(),
	})
	rec, err = New(Options{Target: target, Dir: dir, Transport: benchTransport()})
	if err != nil {
		bare.Close()
		return nil, nil, nil, err
	}
	return bare, httptest.NewServer(rec), rec, nil
}

// The child process of BenchmarkRecordingProxy (and of the kill test) is this test binary
// again, told by these variables to serve the two proxies instead of running tests (see
// TestMain).
const (
	proxiesUpstreamEnv = "GWSCONFORM_TEST_PROXIES_UPSTREAM"
	proxiesDirEnv      = "GWSCONFORM_TEST_PROXIES_DIR"
)

func TestMain(m *testing.M) {
	if upstream := os.Getenv(proxiesUpstreamEnv); upstream != "" {
		os.Exit(serveProxies(upstream, os.Getenv(proxiesDirEnv), os.Stdin, os.Stdout))
	}
	os.Exit(m.Run())
}

// serveProxies is the child process: it writes "URL URL" (bare, recording), then
// answers each "mem" line read from in with "heapMB rssMB count", and stops at the end
// of in.
func serveProxies(upstream, dir string, in io.Reader, out io.Writer) int {
	bare, recording, rec, err := newProxies(upstream, dir)
	if err != nil {
		fmt.Fprintln(os.Stderr, "test proxies:", err)
		return 2
	}
	defer func() {
		bare.Close()
		recording.Close()
		rec.Close()
	}()
	fmt.Fprintln(out, bare.URL, recording.URL)
	lines := bufio.NewScanner(in)
	for lines.Scan() {
		if lines.Text() != "mem" {
			fmt.Fprintf(os.Stderr, "test proxies: unknown command %q\n", lines.Text())
			return 2
		}
		heapMB, rssMB := memNow()
		fmt.Fprintln(out, heapMB, rssMB, rec.Count())
	}
	return 0
}

// proxiesProcess is the parent's handle on the child process.
type proxiesProcess struct {
	cmd                   *exec.Cmd
	in                    io.WriteCloser
	out                   *bufio.Reader
	bareURL, recordingURL string
	dir                   string // the recording's
	tb                    testing.TB
}

func startProxiesProcess(tb testing.TB, upstream string) *proxiesProcess {
	dir := tb.TempDir()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), proxiesUpstreamEnv+"="+upstream, proxiesDirEnv+"="+dir)
	cmd.Stderr = os.Stderr
	in, err := cmd.StdinPipe()
	if err != nil {
		tb.Fatal(err)
	}
	out, err := cmd.StdoutPipe()
	if err != nil {
		tb.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		tb.Fatalf("starting the proxies' process: %v", err)
	}
	c := &proxiesProcess{cmd: cmd, in: in, out: bufio.NewReader(out), dir: dir, tb: tb}
	line, err := c.out.ReadString('\n')
	if _, scanErr := fmt.Sscan(line, &c.bareURL, &c.recordingURL); err != nil || scanErr != nil {
		cmd.Process.Kill()
		cmd.Wait()
		tb.Fatalf("the proxies' process did not say where it listens (read %q: %v)", line, err)
	}
	return c
}

func (c *proxiesProcess) mem() (heapMB, rssMB float64, count int64) {
	if _, err := io.WriteString(c.in, "mem\n"); err != nil {
		c.tb.Fatalf("asking the proxies' process for its memory: %v", err)
	}
	line, err := c.out.ReadString('\n')
	if _, scanErr := fmt.Sscan(line, &heapMB, &rssMB, &count); err != nil || scanErr != nil {
		c.tb.Fatalf("the proxies' process answered %q to mem: %v", line, err)
	}
	return heapMB, rssMB, count
}

// stop closes the child's input, which makes it close the recorder and exit.
func (c *proxiesProcess) stop() {
	c.in.Close()
	if err := c.cmd.Wait(); err != nil {
		c.tb.Errorf("the proxies' process: %v", err)
	}
}

// memNow returns the live heap after a GC and the process RSS, in MB (RSS 0 off Linux).
func memNow() (heapMB, rssMB float64) {
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	heapMB = float64(ms.HeapAlloc) / (1 << 20)
	data, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return heapMB, 0
	}
	for _, line := range strings.Split(string(data), "\n") {
		if rest, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			kb, _ := strconv.ParseFloat(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(rest), "kB")), 64)
			rssMB = kb / 1024
		}
	}
	return heapMB, rssMB
}
