package recorder

import (
	"bytes"
	"compress/flate"
	"compress/gzip"
	"compress/zlib"
	"encoding/base64"
	"encoding/json"
	"errors"
	"io"
	"strings"
	"sync"
	"unicode/utf8"

	"github.com/gwsconform/gwsconform/internal/fixture"
)

// DefaultMaxBody is the capture cap for one body when Options.MaxBody is zero.
const DefaultMaxBody = 1 << 20

// capture passes a body through untouched while keeping its first max bytes and counting
// the rest, so memory per exchange is bounded whatever the body size. The kept bytes are
// the only copy the recording makes: the Body refers to them.
type capture struct {
	src  io.ReadCloser
	max  int64
	data []byte
	size int64
	mu   sync.Mutex // Read (proxy goroutine) and snapshot (after ServeHTTP) may overlap on abort
}

// newCapture wraps src; sizeHint (a Content-Length, or -1) sizes the buffer up front so
// that a body is captured with one allocation.
func newCapture(src io.ReadCloser, max, sizeHint int64) *capture {
	c := &capture{src: src, max: max}
	if sizeHint > 0 {
		c.data = make([]byte, 0, min(sizeHint, max))
	}
	return c
}

func (c *capture) Read(p []byte) (int, error) {
	n, err := c.src.Read(p)
	if n > 0 {
		c.mu.Lock()
		c.size += int64(n)
		if room := c.max - int64(len(c.data)); room > 0 {
			c.data = append(c.data, p[:min(int64(n), room)]...)
		}
		c.mu.Unlock()
	}
	return n, err
}

func (c *capture) Close() error { return c.src.Close() }

// body returns what was captured as a Body. A body whose Content-Encoding is gzip or
// deflate travelled compressed (the proxy passes it on as it is): it is recorded decoded,
// so that the fixture is readable and its JSON usable, with Encoding saying so; Size
// stays the size on the wire.
func (c *capture) body(contentType, contentEncoding string) fixture.Body {
	if c == nil {
		return fixture.Body{}
	}
	c.mu.Lock()
	// Capped at its length: a Read still running after an abort only ever appends past
	// it (or into a new array), so these bytes stay as they are without a copy.
	data := c.data[:len(c.data):len(c.data)]
	size := c.size
	c.mu.Unlock()
	truncated := size > int64(len(data))
	if enc := knownEncoding(contentEncoding); enc != "" && len(data) > 0 {
		if plain, cut, ok := decompress(enc, data, c.max, truncated); ok {
			b := makeBody(plain, size, truncated || cut, contentType)
			b.Encoding = enc
			return b
		}
	}
	// Not decodable (or not compressed): the bytes as they travelled.
	return makeBody(data, size, truncated, contentType)
}

// knownEncoding is the name of a single content coding the recorder can undo, or "".
func knownEncoding(contentEncoding string) string {
	switch e := strings.ToLower(strings.TrimSpace(contentEncoding)); e {
	case "gzip", "x-gzip":
		return "gzip"
	case "deflate":
		return "deflate"
	}
	return ""
}

// decompress decodes at most max bytes of data (so a small body that inflates hugely
// costs no more than the cap). cut says the decoded body goes on past what it returns:
// past max, or past the end of a capture that stopped at the cap (truncated), which ends
// the stream early; what decoded before that point is still worth recording. ok is false
// when nothing sensible came out.
func decompress(enc string, data []byte, max int64, truncated bool) (plain []byte, cut, ok bool) {
	var zr io.Reader
	var err error
	switch enc {
	case "gzip":
		zr, err = gzip.NewReader(bytes.NewReader(data))
	case "deflate":
		// HTTP's deflate is zlib-wrapped (RFC 9110), but some servers send it raw.
		if zr, err = zlib.NewReader(bytes.NewReader(data)); errors.Is(err, zlib.ErrHeader) {
			zr, err = flate.NewReader(bytes.NewReader(data)), nil
		}
	}
	if err != nil {
		return nil, false, false
	}
	plain, err = io.ReadAll(io.LimitReader(zr, max+1))
	if int64(len(plain)) > max {
		return plain[:max], true, true
	}
	switch {
	case err == nil:
		return plain, false, true
	case truncated && errors.Is(err, io.ErrUnexpectedEOF) && len(plain) > 0:
		return plain, true, true
	}
	return nil, false, false
}

// makeBody classifies captured bytes: JSON (compact) when they parse, text when UTF-8,
// base64 otherwise. A truncated capture is never JSON. JSON that is already compact (the
// usual case) is kept as it is, without a copy.
func makeBody(data []byte, size int64, truncated bool, contentType string) fixture.Body {
	b := fixture.Body{Size: size, Truncated: truncated}
	if len(data) == 0 {
		return b
	}
	trimmed := bytes.TrimSpace(data)
	if !truncated && len(trimmed) > 0 && (trimmed[0] == '{' || trimmed[0] == '[' || strings.Contains(contentType, "json")) {
		switch valid, compact := scanJSON(trimmed); {
		case valid && compact:
			b.JSON = trimmed
			return b
		case valid:
			var buf bytes.Buffer
			buf.Grow(len(trimmed))
			json.Compact(&buf, trimmed) // cannot fail: trimmed is valid
			b.JSON = buf.Bytes()
			return b
		}
	}
	if utf8.Valid(data) {
		b.Text = string(data)
	} else {
		b.Base64 = base64.StdEncoding.EncodeToString(data)
	}
	return b
}

func encodeJSON(v any) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimRight(buf.Bytes(), "\n"), nil
}
