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
// the rest, so memory per exchange is bounded whatever the body size.
type capture struct {
	src  io.ReadCloser
	max  int64
	buf  bytes.Buffer
	size int64
	mu   sync.Mutex // Read (proxy goroutine) and snapshot (after ServeHTTP) may overlap on abort
}

func newCapture(src io.ReadCloser, max int64) *capture {
	return &capture{src: src, max: max}
}

func (c *capture) Read(p []byte) (int, error) {
	n, err := c.src.Read(p)
	if n > 0 {
		c.mu.Lock()
		c.size += int64(n)
		if room := c.max - int64(c.buf.Len()); room > 0 {
			c.buf.Write(p[:min(int64(n), room)])
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
	data := bytes.Clone(c.buf.Bytes())
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

// makeBody classifies captured bytes: JSON (compacted) when they parse, text when UTF-8,
// base64 otherwise. A truncated capture is never JSON.
func makeBody(data []byte, size int64, truncated bool, contentType string) Body {
	b := Body{Size: size, Truncated: truncated}
	if len(data) == 0 {
		return b
	}
	trimmed := bytes.TrimSpace(data)
	if !truncated && len(trimmed) > 0 && (trimmed[0] == '{' || trimmed[0] == '[' || strings.Contains(contentType, "json")) {
		var compact bytes.Buffer
		if json.Compact(&compact, trimmed) == nil {
			b.JSON = compact.Bytes()
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
