package recorder

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httputil"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gwsconform/gwsconform/internal/fixture"
)

// DefaultNotificationsPath is where the target serves CometD when Options.NotificationsPath is empty.
const DefaultNotificationsPath = fixture.DefaultNotificationsPath

// Options configure a Recorder. Target and Dir are required; every other zero value is usable.
type Options struct {
	// Target is the server the proxy forwards to (scheme and host; a path prefix is kept).
	Target *url.URL
	// Dir receives the recording; it is created if missing. Existing fixture files are replaced.
	Dir string
	// NotificationsPath is the CometD endpoint; it and every path below it are recorded as
	// Bayeux exchanges and streamed with no buffering. Zero = DefaultNotificationsPath.
	NotificationsPath string
	// Redact adds redaction rules and hooks to the defaults (see RedactRules).
	Redact RedactRules
	// Hooks change each exchange on its way to disk: fixture.AfterCapture hooks before
	// redaction, fixture.BeforeSave hooks after it (after RedactRules.Hooks too). Other
	// stages are refused.
	Hooks []fixture.Hook
	// MaxBody caps how much of each body is captured (the client always gets all of it);
	// a longer body is recorded truncated. Zero = DefaultMaxBody.
	MaxBody int64
	// Transport forwards requests. Nil = a clone of http.DefaultTransport keeping up to
	// 64 idle connections to the target. It must not compress on its own: an
	// *http.Transport without DisableCompression is replaced by a clone that has it.
	Transport http.RoundTripper
	// Logger gets one line per proxy error (target unreachable, write failure). Nil = discard.
	Logger *slog.Logger
}

// A Recorder is an http.Handler that forwards everything to the target unchanged (status,
// headers, cookies, bytes, and the client's Host header so the target builds URIs that
// point at the proxy) and appends each finished exchange, redacted, to the recording.
type Recorder struct {
	opts      Options
	redactor  *Redactor
	logger    *slog.Logger
	started   time.Time
	rest      *httputil.ReverseProxy
	longPoll  *httputil.ReverseProxy
	exchanges *fixture.LineFile
	bayeux    *fixture.LineFile

	// handoff carries each finished exchange to the one writer goroutine. It is
	// unbuffered: a handler returns as soon as the writer takes its exchange, and the
	// writer takes the next only when the previous one is written, so no queue builds
	// up: besides exchanges whose handler has not returned yet (in flight, including
	// those waiting to hand over), at most one is not yet on disk, the one being written.
	handoff    chan *finished
	writerDone chan struct{}
	encoder    lineEncoder  // owned by the writer goroutine
	seq        atomic.Int64 // exchanges written (the last Seq used)

	unwrittenMu sync.Mutex
	unwritten   map[*exchangeState]struct{} // answered (the client may have it) but not written yet

	inflight sync.WaitGroup
	mu       sync.Mutex // guards closed, writeErr and Add on inflight against Close's Wait
	closed   bool
	writeErr error

	// stopping is set once a server serving the recorder starts shutting down (or Close
	// is called): a request cut from then on was cut by the recorder's own shutdown.
	stopping   atomic.Bool
	servers    sync.Map                    // *http.Server -> struct{}: shutdown hook registered
	lastServer atomic.Pointer[http.Server] // the last one seen, to skip the map on the hot path
}

// New creates Dir, writes meta.json and the file headers, and returns a Recorder ready to serve.
func New(opts Options) (*Recorder, error) {
	if opts.Target == nil || opts.Target.Scheme == "" || opts.Target.Host == "" {
		return nil, errors.New("recorder: Options.Target must be an absolute URL such as http://host:port")
	}
	if opts.Dir == "" {
		return nil, errors.New("recorder: Options.Dir is required")
	}
	if opts.NotificationsPath == "" {
		opts.NotificationsPath = DefaultNotificationsPath
	}
	if opts.MaxBody <= 0 {
		opts.MaxBody = DefaultMaxBody
	}
	if opts.Transport == nil {
		t := http.DefaultTransport.(*http.Transport).Clone()
		t.MaxIdleConnsPerHost = 64
		t.DisableCompression = true
		opts.Transport = t
	}
	// Go's Transport otherwise adds "Accept-Encoding: gzip" to a request without one, then
	// inflates the answer and drops its Content-Encoding: the client would get what the
	// target did not send. Disabled, the client's Accept-Encoding goes as sent (or not at
	// all) and the answer as sent, compressed or not (the recording decodes its copy).
	if t, ok := opts.Transport.(*http.Transport); ok && !t.DisableCompression {
		t = t.Clone()
		t.DisableCompression = true
		opts.Transport = t
	}
	logger := opts.Logger
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	if err := fixture.CheckHooks("recorder", opts.Hooks, fixture.AfterCapture, fixture.BeforeSave); err != nil {
		return nil, err
	}
	redactor, err := NewRedactor(opts.Redact)
	if err != nil {
		return nil, err
	}
	if err := os.MkdirAll(opts.Dir, 0o755); err != nil {
		return nil, fmt.Errorf("recorder: %w", err)
	}
	rec := &Recorder{opts: opts, redactor: redactor, logger: logger, started: time.Now(),
		handoff: make(chan *finished), writerDone: make(chan struct{}), unwritten: map[*exchangeState]struct{}{},
		// A hook may leave a body that is not compact JSON: then the encoder checks each.
		encoder: lineEncoder{trustBodies: len(opts.Redact.Hooks) == 0 && len(opts.Hooks) == 0}}
	if err := fixture.WriteMeta(opts.Dir, fixture.Meta{Target: opts.Target.String(), Started: rec.started.UTC()}); err != nil {
		return nil, fmt.Errorf("recorder: %w", err)
	}
	if rec.exchanges, err = fixture.CreateExchanges(opts.Dir); err != nil {
		return nil, fmt.Errorf("recorder: %w", err)
	}
	if rec.bayeux, err = fixture.CreateBayeux(opts.Dir); err != nil {
		rec.exchanges.Close()
		return nil, fmt.Errorf("recorder: %w", err)
	}
	rec.rest = rec.newReverseProxy(0)
	// A held connect's reply must reach the client the moment the target writes it.
	rec.longPoll = rec.newReverseProxy(-1)
	go rec.writeLoop()
	return rec, nil
}

func (rec *Recorder) newReverseProxy(flush time.Duration) *httputil.ReverseProxy {
	target := rec.opts.Target
	return &httputil.ReverseProxy{
		Rewrite: func(pr *httputil.ProxyRequest) {
			pr.SetURL(target)
			pr.Out.Host = pr.In.Host // the target builds URIs from Host: keep the proxy's
			for _, h := range []string{"Forwarded", "X-Forwarded-For", "X-Forwarded-Host", "X-Forwarded-Proto"} {
				if v, ok := pr.In.Header[h]; ok {
					pr.Out.Header[h] = v
				}
			}
		},
		Transport:      rec.opts.Transport,
		BufferPool:     copyBuffers,
		FlushInterval:  flush,
		ModifyResponse: rec.captureResponse,
		ErrorHandler:   rec.proxyError,
		ErrorLog:       slog.NewLogLogger(rec.logger.Handler(), slog.LevelWarn),
	}
}

// copyBuffers recycles the 32 KiB buffers ReverseProxy copies bodies with (it allocates
// one per exchange otherwise), which keeps the garbage collector out of the way.
var copyBuffers = &bufferPool{pool: sync.Pool{New: func() any { return make([]byte, 32<<10) }}}

type bufferPool struct{ pool sync.Pool }

func (p *bufferPool) Get() []byte  { return p.pool.Get().([]byte) }
func (p *bufferPool) Put(b []byte) { p.pool.Put(b) }

// Redactor is the recording's secret table (for hooks and tests).
func (rec *Recorder) Redactor() *Redactor { return rec.redactor }

// Count is the number of exchanges written to the recording so far.
func (rec *Recorder) Count() int64 { return rec.seq.Load() }

// Dir is the recording directory.
func (rec *Recorder) Dir() string { return rec.opts.Dir }

// exchangeState carries what the proxy hooks learn about one exchange back to ServeHTTP.
type exchangeState struct {
	answered time.Time     // when the target's answer reached the proxy
	written  chan struct{} // closed once the exchange is written; nil until answered
	status   int
	header   http.Header
	body     *capture
	proxyErr error
	ownBody  []byte // the proxy's own answer (502)
	shutdown bool   // cut while the recorder was shutting down: by its server, not the client
}

type stateKey struct{}

func (rec *Recorder) captureResponse(resp *http.Response) error {
	st := resp.Request.Context().Value(stateKey{}).(*exchangeState)
	st.answered = time.Now()
	rec.answered(st)
	st.status = resp.StatusCode
	st.header = resp.Header.Clone()
	st.body = newCapture(resp.Body, rec.opts.MaxBody, resp.ContentLength)
	resp.Body = st.body
	return nil
}

func (rec *Recorder) proxyError(w http.ResponseWriter, r *http.Request, err error) {
	st := r.Context().Value(stateKey{}).(*exchangeState)
	st.proxyErr = err
	if r.Context().Err() != nil {
		// The client went away, or the recorder's server is closing the connection at
		// shutdown (the context says neither: both just cancel it): nobody to answer.
		st.shutdown = rec.stopping.Load()
		return
	}
	rec.logger.Warn("target unreachable", "target", rec.opts.Target.String(), "method", r.Method, "path", r.URL.Path, "error", err)
	body, _ := json.Marshal(map[string]any{
		"statusCode":    4,
		"statusMessage": fmt.Sprintf("gwsconform record: target %s unreachable: %v", rec.opts.Target, err),
	})
	rec.answered(st)
	st.status = http.StatusBadGateway
	st.header = http.Header{"Content-Type": {"application/json"}}
	st.ownBody = body
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusBadGateway)
	w.Write(body)
}

// ServeHTTP forwards r and records the exchange once the response is fully sent.
func (rec *Recorder) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	rec.mu.Lock()
	if rec.closed {
		rec.mu.Unlock()
		http.Error(w, `{"statusCode":4,"statusMessage":"gwsconform record: recorder stopped"}`, http.StatusServiceUnavailable)
		return
	}
	rec.inflight.Add(1)
	rec.mu.Unlock()
	defer rec.inflight.Done()
	rec.watchServer(r)

	start := time.Now()
	st := &exchangeState{}
	var reqBody *capture
	if r.Body != nil && r.Body != http.NoBody {
		reqBody = newCapture(r.Body, rec.opts.MaxBody, r.ContentLength)
		r.Body = reqBody
	}
	reqHeader := r.Header.Clone()
	proxy := rec.rest
	if rec.isBayeux(r.URL.Path) {
		proxy = rec.longPoll
	}
	f := &finished{method: r.Method, host: r.Host, path: r.URL.Path, query: r.URL.RawQuery, user: basicUser(r),
		reqHeader: reqHeader, reqBody: reqBody, st: st, start: start}
	recorded := false
	defer func() {
		// ReverseProxy panics with http.ErrAbortHandler when the client goes away mid-body;
		// record what was seen, then let the server handle the abort.
		if recorded || st.status == 0 {
			return
		}
		f.end, f.aborted = time.Now(), true
		st.shutdown = rec.stopping.Load()
		rec.handOff(f)
	}()
	proxy.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), stateKey{}, st)))
	f.end = time.Now()
	// The client gets the whole answer first (so recording adds nothing to its latency),
	// then the exchange goes to the writer; the handler returns as soon as the writer
	// takes it, which is at once unless the writer is still writing the previous one.
	http.NewResponseController(w).Flush()
	recorded = true
	rec.handOff(f)
}

// watchServer has the http.Server serving r tell the recorder when its Shutdown starts
// (`gwsconform record` then gives requests a grace period and closes the server, which
// cuts held ones), so those cuts are recorded as the recorder's, not the clients'.
func (rec *Recorder) watchServer(r *http.Request) {
	srv, _ := r.Context().Value(http.ServerContextKey).(*http.Server)
	if srv == nil || rec.lastServer.Load() == srv {
		return
	}
	rec.lastServer.Store(srv)
	if _, seen := rec.servers.LoadOrStore(srv, struct{}{}); !seen {
		srv.RegisterOnShutdown(func() { rec.stopping.Store(true) })
	}
}

// handOff gives f to the writer, waiting while the writer is busy with the exchange
// before (the handoff channel is unbuffered).
func (rec *Recorder) handOff(f *finished) {
	rec.handoff <- f
}

// answered notes that the target's answer (or the proxy's own) is about to reach the
// client, so that Sync waits for this exchange from now on.
func (rec *Recorder) answered(st *exchangeState) {
	rec.unwrittenMu.Lock()
	defer rec.unwrittenMu.Unlock()
	if st.written == nil {
		st.written = make(chan struct{})
		rec.unwritten[st] = struct{}{}
	}
}

// writeLoop is the writer goroutine: it turns each finished exchange into its record
// (redaction, encoding) and appends it, one at a time, in the order handed off.
func (rec *Recorder) writeLoop() {
	defer close(rec.writerDone)
	for f := range rec.handoff {
		rec.write(rec.exchange(f))
		rec.unwrittenMu.Lock()
		if f.st.written != nil {
			close(f.st.written)
			delete(rec.unwritten, f.st)
		}
		rec.unwrittenMu.Unlock()
	}
}

// Sync returns once every exchange answered before the call (every answer a client may
// have seen) is written to the recording, each line handed to the operating system with
// its own write(2). It waits at most for the exchange the writer is busy with and the
// handlers about to hand theirs off: the handoff holds no queue.
func (rec *Recorder) Sync() {
	rec.unwrittenMu.Lock()
	var waits []chan struct{}
	for st := range rec.unwritten {
		waits = append(waits, st.written)
	}
	rec.unwrittenMu.Unlock()
	for _, w := range waits {
		<-w
	}
}

func (rec *Recorder) isBayeux(path string) bool {
	p := rec.opts.NotificationsPath
	return path == p || strings.HasPrefix(path, strings.TrimSuffix(p, "/")+"/")
}

// finished is what ServeHTTP collects while the exchange is under way: cheap to collect,
// turned into an Exchange once the client has its answer.
type finished struct {
	method, host, path, query, user string
	reqHeader                       http.Header
	reqBody                         *capture
	st                              *exchangeState
	start, end                      time.Time
	aborted                         bool
}

func (rec *Recorder) exchange(f *finished) *fixture.Exchange {
	reqHeader, reqBody, st := f.reqHeader, f.reqBody, f.st
	x := &fixture.Exchange{
		StartMs:    ms(f.start.Sub(rec.started)),
		DurationMs: ms(f.end.Sub(f.start)),
		Request: fixture.Request{
			Method: f.method,
			Host:   f.host,
			Path:   f.path,
			Query:  f.query,
			Header: reqHeader,
			Body:   reqBody.body(firstValue(reqHeader, "Content-Type"), firstValue(reqHeader, "Content-Encoding")),
		},
		Response: fixture.Response{Status: st.status, Header: st.header},
	}
	if !st.answered.IsZero() {
		x.AnswerMs = ms(st.answered.Sub(rec.started))
	}
	if x.Response.Header == nil {
		x.Response.Header = http.Header{}
	}
	switch {
	case st.ownBody != nil:
		x.Response.Body = makeBody(st.ownBody, int64(len(st.ownBody)), false, "application/json")
	case st.body != nil:
		x.Response.Body = st.body.body(firstValue(st.header, "Content-Type"), firstValue(st.header, "Content-Encoding"))
	}
	switch {
	case st.proxyErr != nil && st.status == 0 && st.shutdown:
		x.Error = "no answer, cut by the recorder shutting down: " + st.proxyErr.Error()
	case st.proxyErr != nil && st.status == 0:
		x.Error = "no answer, the client went away: " + st.proxyErr.Error()
	case st.proxyErr != nil:
		x.Error = st.proxyErr.Error()
	}
	switch {
	case f.aborted && st.shutdown:
		x.Error = "response cut before it was fully sent: recorder shutting down"
	case f.aborted:
		x.Error = "response aborted before it was fully sent"
	}
	switch {
	case rec.isBayeux(f.path):
		x.Kind = fixture.KindBayeux
		x.Account = f.user
	case f.path == fixture.CustomerPath || strings.HasPrefix(f.path, fixture.CustomerPath+"/"):
		x.Kind = fixture.KindCustomer
		x.Account = fixture.ChatOf(f.path, x.Response.Body.JSON)
	default:
		x.Kind = fixture.KindAgent
		x.Account = f.user
	}
	return x
}

// firstValue is h.Get for a canonical name, without canonicalising it again.
func firstValue(h http.Header, canonicalName string) string {
	if vs := h[canonicalName]; len(vs) > 0 {
		return vs[0]
	}
	return ""
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

// basicUser is the account name from Basic credentials, read before redaction; the
// password is never kept.
func basicUser(r *http.Request) string {
	user, _, ok := r.BasicAuth()
	if !ok {
		return ""
	}
	return user
}

// write redacts x, numbers it and appends it (and its Bayeux messages) to the recording,
// one write(2) per line, so the lines are in the OS's hands when it returns. Only the
// writer goroutine calls it (it owns rec.encoder).
func (rec *Recorder) write(x *fixture.Exchange) {
	fixture.RunHooks(rec.opts.Hooks, fixture.AfterCapture, x)
	rec.redactor.Redact(x)
	fixture.RunHooks(rec.opts.Hooks, fixture.BeforeSave, x)
	x.Seq = rec.seq.Load() + 1
	line, err := rec.encoder.exchange(x)
	if err == nil {
		err = rec.exchanges.WriteLine(rec.redactor.Sweep(line))
	}
	if err == nil && x.Kind == fixture.KindBayeux {
		for _, m := range fixture.SplitBayeux(x) {
			if line, err = rec.encoder.bayeuxMessage(m); err == nil {
				err = rec.bayeux.WriteLine(rec.redactor.Sweep(line))
			}
			if err != nil {
				break
			}
		}
	}
	rec.seq.Store(x.Seq)
	if err != nil {
		rec.logger.Error("recording write failed", "error", err)
		rec.mu.Lock()
		if rec.writeErr == nil {
			rec.writeErr = err
		}
		rec.mu.Unlock()
	}
}

// Close stops recording: later requests get 503, exchanges in flight are waited for (stop
// the http.Server first so held long-polls end), the files are closed, meta.json gets its
// stop time and recording.har is written from exchanges.jsonl.
func (rec *Recorder) Close() error {
	rec.mu.Lock()
	if rec.closed {
		rec.mu.Unlock()
		return nil
	}
	rec.closed = true
	rec.mu.Unlock()
	rec.stopping.Store(true) // whatever is cut from now on, the recorder's stop cut it
	rec.inflight.Wait()      // every handler has handed its exchange off
	close(rec.handoff)
	<-rec.writerDone
	errs := []error{rec.writeErr, rec.exchanges.Close(), rec.bayeux.Close()}
	errs = append(errs, fixture.WriteMeta(rec.opts.Dir, fixture.Meta{Target: rec.opts.Target.String(), Started: rec.started.UTC(), Stopped: time.Now().UTC()}))
	if _, err := fixture.ExportHAR(rec.opts.Dir, filepath.Join(rec.opts.Dir, fixture.HARFile)); err != nil {
		errs = append(errs, err)
	}
	return errors.Join(errs...)
}
