package recorder

import (
	"bytes"
	"compress/gzip"
	"encoding/base64"
	"encoding/json"
	"io"
	"strings"
	"sync"
	"unicode/utf8"
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

// body returns what was captured as a Body; contentEncoding gzip is undone for the record.
func (c *capture) body(contentType, contentEncoding string) Body {
	if c == nil {
		return Body{}
	}
	c.mu.Lock()
	// Capped at its length: a Read still running after an abort only ever appends past
	// it (or into a new array), so these bytes stay as they are without a copy.
	data := c.data[:len(c.data):len(c.data)]
	size := c.size
	c.mu.Unlock()
	truncated := size > int64(len(data))
	if strings.EqualFold(contentEncoding, "gzip") && !truncated && len(data) > 0 {
		if plain, err := gunzip(data, c.max); err == nil {
			data = plain
		}
	}
	return makeBody(data, size, truncated, contentType)
}

func gunzip(data []byte, max int64) ([]byte, error) {
	zr, err := gzip.NewReader(bytes.NewReader(data))
	if err != nil {
		return nil, err
	}
	return io.ReadAll(io.LimitReader(zr, max))
}

// makeBody classifies captured bytes: JSON (compact) when they parse, text when UTF-8,
// base64 otherwise. A truncated capture is never JSON. JSON that is already compact (the
// usual case) is kept as it is, without a copy.
func makeBody(data []byte, size int64, truncated bool, contentType string) Body {
	b := Body{Size: size, Truncated: truncated}
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

func decodeJSON(raw []byte) (any, error) {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, err
	}
	return v, nil
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
