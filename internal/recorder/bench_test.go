package recorder

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strconv"
	"testing"
	"time"
)

// benchExchanges is how many exchanges each proxy carries in one run of a proxy benchmark.
const benchExchanges = 100_000

// benchRound is how many exchanges one proxy carries before the other takes over: the
// two alternate in rounds this short so that drift on a shared machine hits both alike.
const benchRound = 1_000

// BenchmarkRecordingProxy is the recorder's performance budget: the same 100,000 agent
// requests go through a bare httputil.ReverseProxy and through the recording proxy to one
// upstream, in alternating rounds, and it reports the median latency each adds (and the
// 10th and 90th percentiles), throughput, and the heap and RSS of the process serving
// the proxies before and after.
//
// The two proxies run in a child process, as a recorder does in use; this process is the
// load: the upstream and one sequential client. BenchmarkRecordingProxyInProcess runs
// the same comparison inside one process.
func BenchmarkRecordingProxy(b *testing.B) {
	upstream := httptest.NewServer(benchUpstream())
	defer upstream.Close()
	child := startProxiesProcess(b, upstream.URL)
	defer child.stop()
	for b.Loop() {
		compareProxies(b, child.bareURL, child.recordingURL, child.mem)
	}
}

// BenchmarkRecordingProxyInProcess is BenchmarkRecordingProxy with client, upstream and
// both proxies in this one process, sharing one Go scheduler: the worst case for the
// recorder, where its writer's CPU time competes directly with the request it follows.
// Its heap figures include the benchmark's own latency samples (16 bytes per exchange).
func BenchmarkRecordingProxyInProcess(b *testing.B) {
	upstream := httptest.NewServer(benchUpstream())
	defer upstream.Close()
	bare, recording, rec, err := newProxies(upstream.URL, b.TempDir())
	if err != nil {
		b.Fatal(err)
	}
	defer func() {
		bare.Close()
		recording.Close()
		rec.Close()
	}()
	mem := func() (heapMB, rssMB float64, count int64) {
		heapMB, rssMB = memNow()
		return heapMB, rssMB, rec.Count()
	}
	for b.Loop() {
		compareProxies(b, bare.URL, recording.URL, mem)
	}
}

// benchUpstream answers every request as a GWS server answers a SendMessage.
func benchUpstream() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Set-Cookie", "JSESSIONID=0123456789ABCDEF; Path=/; HttpOnly")
		w.Write([]byte(`{"statusCode":0,"referenceId":17,"chat":{"id":"0001AaBbCcDd","state":"Chatting","capabilities":["Complete","Leave","SendMessage"]}}`))
	})
}

func benchTransport() *http.Transport {
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.MaxIdleConnsPerHost = 64
	return t
}

// compareProxies sends benchExchanges requests through each proxy, alternating in rounds,
// and reports the comparison. mem reads the proxies' process: heap after a GC, RSS (0 off
// Linux) and the exchanges recorded so far.
func compareProxies(b *testing.B, bareURL, recordingURL string, mem func() (heapMB, rssMB float64, count int64)) {
	client := &http.Client{Transport: benchTransport()}
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

	sides := []struct {
		url     string
		latency []time.Duration
		total   time.Duration
	}{{url: bareURL}, {url: recordingURL}}
	heapBefore, rssBefore, countBefore := mem()
	for range benchExchanges / benchRound {
		for i := range sides {
			side := &sides[i]
			start := time.Now()
			for range benchRound {
				side.latency = append(side.latency, send(side.url))
			}
			side.total += time.Since(start)
		}
	}
	heapAfter, rssAfter, countAfter := mem()
	if recorded := countAfter - countBefore; recorded < benchExchanges {
		b.Fatalf("recorded %d exchanges, want at least %d", recorded, benchExchanges)
	}

	bare, recording := sides[0], sides[1]
	for _, q := range []int{10, 50, 90} {
		bareQ, recQ := quantile(bare.latency, q), quantile(recording.latency, q)
		added := 100 * float64(recQ-bareQ) / float64(bareQ)
		if q == 50 {
			b.ReportMetric(microseconds(bareQ), "bare-median-µs")
			b.ReportMetric(microseconds(recQ), "rec-median-µs")
			b.ReportMetric(added, "added-latency-%")
			continue
		}
		b.ReportMetric(added, fmt.Sprintf("added-p%d-%%", q))
	}
	b.ReportMetric(float64(benchExchanges)/bare.total.Seconds(), "bare-req/s")
	b.ReportMetric(float64(benchExchanges)/recording.total.Seconds(), "rec-req/s")
	b.ReportMetric(100*bare.total.Seconds()/recording.total.Seconds(), "throughput-%")
	b.ReportMetric(heapBefore, "heap-before-MB")
	b.ReportMetric(heapAfter, "heap-after-MB")
	b.ReportMetric(rssBefore, "rss-before-MB")
	b.ReportMetric(rssAfter, "rss-after-MB")
}

func quantile(ds []time.Duration, percent int) time.Duration {
	s := slices.Clone(ds)
	slices.Sort(s)
	return s[len(s)*percent/100]
}

func microseconds(d time.Duration) float64 { return float64(d.Nanoseconds()) / 1e3 }

// BenchmarkWriteExchange is the recorder's own work for one REST exchange once the client
// has its answer (building the record, redaction, encoding, the write): the CPU time the
// recorder adds per exchange, which BenchmarkRecordingProxyInProcess shows as latency.
func BenchmarkWriteExchange(b *testing.B) {
	target, _ := url.Parse("http://127.0.0.1:1")
	rec, err := New(Options{Target: target, Dir: b.TempDir()})
	if err != nil {
		b.Fatal(err)
	}
	defer rec.Close()
	reqBody := []byte(`{"operationName":"SendMessage","text":"Hello, how can I help you today?"}`)
	respBody := []byte(`{"statusCode":0,"referenceId":17,"chat":{"id":"0001AaBbCcDd","state":"Chatting","capabilities":["Complete","Leave","SendMessage"]}}`)
	reqHeader := http.Header{
		"Accept-Encoding": {"gzip"},
		"Authorization":   {"Basic YWdlbnQxOnBhc3N3b3Jk"},
		"Content-Length":  {strconv.Itoa(len(reqBody))},
		"Content-Type":    {"application/json"},
		"User-Agent":      {"Go-http-client/1.1"},
		"X-Csrf-Token":    {"3F2504E0-4F89-11D3-9A0C-0305E82C3301"},
	}
	respHeader := http.Header{
		"Content-Length": {strconv.Itoa(len(respBody))},
		"Content-Type":   {"application/json"},
		"Date":           {"Sat, 21 Nov 2026 22:00:00 GMT"},
		"Set-Cookie":     {"JSESSIONID=0123456789ABCDEF; Path=/; HttpOnly"},
	}
	start := time.Now()
	for b.Loop() {
		// The handler clones both headers as the exchange goes through; so does this.
		f := &finished{method: "POST", host: "127.0.0.1:8080", path: "/api/v2/me/chats/0001AaBbCcDd", user: "agent1",
			reqHeader: reqHeader.Clone(), reqBody: &capture{data: reqBody, size: int64(len(reqBody)), max: DefaultMaxBody},
			st: &exchangeState{answered: start, status: 200, header: respHeader.Clone(),
				body: &capture{data: respBody, size: int64(len(respBody)), max: DefaultMaxBody}},
			start: start, end: start.Add(50 * time.Microsecond)}
		rec.write(rec.exchange(f))
	}
}
