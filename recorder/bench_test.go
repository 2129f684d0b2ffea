package recorder

import (
	"bytes"
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

// benchExchanges is how many exchanges each proxy carries in BenchmarkRecordingProxy.
const benchExchanges = 100_000

// BenchmarkRecordingProxy sends the same 100,000 agent requests through a bare
// httputil.ReverseProxy and through the recording proxy to one upstream, interleaved in
// rounds so drift on a shared machine hits both alike, and reports median latency,
// throughput and the recorder's heap and RSS before and after.
func BenchmarkRecordingProxy(b *testing.B) {
	upstream := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Set-Cookie", "JSESSIONID=0123456789ABCDEF; Path=/; HttpOnly")
		w.Write([]byte(`{"statusCode":0,"referenceId":17,"chat":{"id":"0001AaBbCcDd","state":"Chatting","capabilities":["Complete","Leave","SendMessage"]}}`))
	}))
	defer upstream.Close()
	target, _ := url.Parse(upstream.URL)

	transport := func() *http.Transport {
		t := http.DefaultTransport.(*http.Transport).Clone()
		t.MaxIdleConnsPerHost = 64
		return t
	}
	bare := httptest.NewServer(&httputil.ReverseProxy{
		Rewrite:   func(pr *httputil.ProxyRequest) { pr.SetURL(target); pr.Out.Host = pr.In.Host },
		Transport: transport(),
	})
	defer bare.Close()
	rec, err := New(Options{Target: target, Dir: b.TempDir(), Transport: transport()})
	if err != nil {
		b.Fatal(err)
	}
	recording := httptest.NewServer(rec)
	defer func() {
		recording.Close()
		rec.Close()
	}()

	client := &http.Client{Transport: transport()}
	body := []byte(`{"operationName":"SendMessage","text":"Hello, how can I help you today?"}`)
	send := func(base string) time.Duration {
		req, _ := http.NewRequest("POST", base+"/api/v2/me/chats/0001AaBbCcDd", bytes.NewReader(body))
		req.SetBasicAuth("agent1", "password")
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("X-CSRF-TOKEN", "3F2504E0-4F89-11D3-9A0C-0305E82C3301")
		start := time.Now()
		resp, err := client.Do(req)
		if err != nil {
			b.Fatal(err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		return time.Since(start)
	}

	for b.Loop() {
		const rounds = 10
		var bareLat, recLat []time.Duration
		var bareTime, recTime time.Duration
		heapBefore, rssBefore := memNow()
		for round := 0; round < rounds; round++ {
			for _, side := range []string{"bare", "recording"} {
				start := time.Now()
				for i := 0; i < benchExchanges/rounds; i++ {
					if side == "bare" {
						bareLat = append(bareLat, send(bare.URL))
					} else {
						recLat = append(recLat, send(recording.URL))
					}
				}
				if side == "bare" {
					bareTime += time.Since(start)
				} else {
					recTime += time.Since(start)
				}
			}
		}
		heapAfter, rssAfter := memNow()
		bareMedian, recMedian := median(bareLat), median(recLat)
		b.ReportMetric(float64(bareMedian.Microseconds()), "bare-median-µs")
		b.ReportMetric(float64(recMedian.Microseconds()), "rec-median-µs")
		b.ReportMetric(100*float64(recMedian-bareMedian)/float64(bareMedian), "added-latency-%")
		b.ReportMetric(float64(benchExchanges)/bareTime.Seconds(), "bare-req/s")
		b.ReportMetric(float64(benchExchanges)/recTime.Seconds(), "rec-req/s")
		b.ReportMetric(100*bareTime.Seconds()/recTime.Seconds(), "throughput-%")
		b.ReportMetric(heapBefore, "heap-before-MB")
		b.ReportMetric(heapAfter, "heap-after-MB")
		b.ReportMetric(rssBefore, "rss-before-MB")
		b.ReportMetric(rssAfter, "rss-after-MB")
		if rec.Count() < benchExchanges {
			b.Fatalf("recorded %d exchanges, want at least %d", rec.Count(), benchExchanges)
		}
	}
}

func median(ds []time.Duration) time.Duration {
	s := slices.Clone(ds)
	slices.Sort(s)
	return s[len(s)/2]
}

// memNow returns the live heap after a GC and the process RSS, in MB (RSS 0 off Linux).
// The latency slices (16 bytes per exchange) are part of the heap growth.
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
