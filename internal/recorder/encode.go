package recorder

import (
	"bytes"
	"encoding/json"
	"math"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/gwsconform/gwsconform/internal/fixture"
)

// lineEncoder writes exchanges and Bayeux messages as fixture lines without reflection:
// the output is byte for byte what encoding/json.Marshal writes for them (same field
// order, omitempty rules, float format, string escaping including its HTML escaping,
// sorted header names), so the format does not depend on which encoder wrote it
// (TestLineEncoderMatchesJSONMarshal, FuzzEncodeExchange). The recorder's writer
// goroutine owns one and reuses its buffers, so encoding allocates nothing once warm.
//
// JSON bodies are embedded as they are: makeBody and the redactor only produce valid,
// compact JSON. When that is not known (a redaction hook may have set anything),
// trustBodies is false and each body is compacted and checked, as json.Marshal does.
type lineEncoder struct {
	buf         []byte
	fields      []headerField // scratch for sorting a header's names
	trustBodies bool
}

// maxKeptLine: a buffer grown by a large body is dropped after use rather than kept alive
// for the whole recording.
const maxKeptLine = 64 << 10

// reset returns the buffer to reuse for the next line.
func (e *lineEncoder) reset() []byte {
	if cap(e.buf) > maxKeptLine {
		e.buf = nil
	}
	return e.buf[:0]
}

// exchange encodes x (without the trailing newline).
func (e *lineEncoder) exchange(x *fixture.Exchange) ([]byte, error) {
	b := e.reset()
	b = append(b, `{"seq":`...)
	b = strconv.AppendInt(b, x.Seq, 10)
	b = append(b, `,"startMs":`...)
	b = appendFloat(b, x.StartMs)
	b = append(b, `,"durationMs":`...)
	b = appendFloat(b, x.DurationMs)
	if x.AnswerMs != 0 {
		b = append(b, `,"answerMs":`...)
		b = appendFloat(b, x.AnswerMs)
	}
	b = append(b, `,"kind":`...)
	b = appendString(b, x.Kind)
	b = append(b, `,"account":`...)
	b = appendString(b, x.Account)

	b = append(b, `,"request":{"method":`...)
	b = appendString(b, x.Request.Method)
	b = append(b, `,"host":`...)
	b = appendString(b, x.Request.Host)
	b = append(b, `,"path":`...)
	b = appendString(b, x.Request.Path)
	if x.Request.Query != "" {
		b = append(b, `,"query":`...)
		b = appendString(b, x.Request.Query)
	}
	b = append(b, `,"headers":`...)
	b = e.appendHeader(b, x.Request.Header)
	b = append(b, `,"body":`...)
	b, err := e.appendBody(b, &x.Request.Body)
	if err != nil {
		return nil, err
	}

	b = append(b, `},"response":{"status":`...)
	b = strconv.AppendInt(b, int64(x.Response.Status), 10)
	b = append(b, `,"headers":`...)
	b = e.appendHeader(b, x.Response.Header)
	b = append(b, `,"body":`...)
	if b, err = e.appendBody(b, &x.Response.Body); err != nil {
		return nil, err
	}
	b = append(b, '}')
	if x.Error != "" {
		b = append(b, `,"error":`...)
		b = appendString(b, x.Error)
	}
	b = append(b, '}')
	e.buf = b
	return b, nil
}

// bayeuxMessage encodes m (without the trailing newline).
func (e *lineEncoder) bayeuxMessage(m *fixture.BayeuxMessage) ([]byte, error) {
	b := e.reset()
	b = append(b, `{"seq":`...)
	b = strconv.AppendInt(b, m.Seq, 10)
	b = append(b, `,"index":`...)
	b = strconv.AppendInt(b, int64(m.Index), 10)
	b = append(b, `,"atMs":`...)
	b = appendFloat(b, m.AtMs)
	b = append(b, `,"account":`...)
	b = appendString(b, m.Account)
	b = append(b, `,"direction":`...)
	b = appendString(b, m.Direction)
	if m.ClientID != "" {
		b = append(b, `,"clientId":`...)
		b = appendString(b, m.ClientID)
	}
	b = append(b, `,"channel":`...)
	b = appendString(b, m.Channel)
	if m.ID != "" {
		b = append(b, `,"id":`...)
		b = appendString(b, m.ID)
	}
	if m.Successful != nil {
		b = append(b, `,"successful":`...)
		b = strconv.AppendBool(b, *m.Successful)
	}
	if m.Error != "" {
		b = append(b, `,"error":`...)
		b = appendString(b, m.Error)
	}
	if len(m.Data) > 0 {
		b = append(b, `,"data":`...)
		var err error
		if b, err = e.appendRawJSON(b, m.Data); err != nil {
			return nil, err
		}
	}
	b = append(b, '}')
	e.buf = b
	return b, nil
}

// appendHeader writes h as json.Marshal writes an http.Header: names sorted, nil as null.
func (e *lineEncoder) appendHeader(b []byte, h http.Header) []byte {
	if h == nil {
		return append(b, "null"...)
	}
	fields := e.fields[:0]
	for name, values := range h {
		fields = append(fields, headerField{name, values})
	}
	slices.SortFunc(fields, func(a, b headerField) int { return strings.Compare(a.name, b.name) })
	b = append(b, '{')
	for i, f := range fields {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendString(b, f.name)
		b = append(b, ':')
		if f.values == nil {
			b = append(b, "null"...)
			continue
		}
		b = append(b, '[')
		for j, v := range f.values {
			if j > 0 {
				b = append(b, ',')
			}
			b = appendString(b, v)
		}
		b = append(b, ']')
	}
	clear(fields) // do not keep this exchange's strings alive
	e.fields = fields[:0]
	return append(b, '}')
}

type headerField struct {
	name   string
	values []string
}

func (e *lineEncoder) appendBody(b []byte, body *fixture.Body) ([]byte, error) {
	b = append(b, '{')
	if len(body.JSON) > 0 {
		b = append(b, `"json":`...)
		var err error
		if b, err = e.appendRawJSON(b, body.JSON); err != nil {
			return nil, err
		}
		b = append(b, ',')
	}
	if body.Text != "" {
		b = append(b, `"text":`...)
		b = appendString(b, body.Text)
		b = append(b, ',')
	}
	if body.Base64 != "" {
		b = append(b, `"base64":`...)
		b = appendString(b, body.Base64)
		b = append(b, ',')
	}
	b = append(b, `"size":`...)
	b = strconv.AppendInt(b, body.Size, 10)
	if body.Truncated {
		b = append(b, `,"truncated":true`...)
	}
	if body.Encoding != "" {
		b = append(b, `,"encoding":`...)
		b = appendString(b, body.Encoding)
	}
	return append(b, '}'), nil
}

// appendRawJSON embeds a JSON value as json.Marshal embeds a json.RawMessage: compact,
// with <, >, & and U+2028/U+2029 escaped. A trusted value is already valid and compact,
// so only the (rare) escapes need a pass.
func (e *lineEncoder) appendRawJSON(b []byte, raw []byte) ([]byte, error) {
	if !e.trustBodies {
		var compact bytes.Buffer
		if err := json.Compact(&compact, raw); err != nil {
			return nil, err
		}
		raw = compact.Bytes()
	}
	if !hasHTMLSpecial(raw) {
		return append(b, raw...), nil
	}
	return appendHTMLEscaped(b, raw), nil
}

// hasHTMLSpecial reports whether raw holds a byte json.Marshal escapes in a RawMessage:
// <, > or &, or the lead byte of U+2028/U+2029.
func hasHTMLSpecial(raw []byte) bool {
	for _, c := range raw {
		if c == '<' || c == '>' || c == '&' || c == 0xE2 {
			return true
		}
	}
	return false
}

// appendHTMLEscaped is json.HTMLEscape appending to b.
func appendHTMLEscaped(b, src []byte) []byte {
	start := 0
	for i, c := range src {
		if c == '<' || c == '>' || c == '&' {
			b = append(b, src[start:i]...)
			b = append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xF])
			start = i + 1
		}
		// U+2028 is E2 80 A8, U+2029 is E2 80 A9.
		if c == 0xE2 && i+2 < len(src) && src[i+1] == 0x80 && src[i+2]&^1 == 0xA8 {
			b = append(b, src[start:i]...)
			b = append(b, '\\', 'u', '2', '0', '2', hexDigits[src[i+2]&0xF])
			start = i + 3
		}
	}
	return append(b, src[start:]...)
}

const hexDigits = "0123456789abcdef"

// plainASCII marks the ASCII bytes a JSON string holds as they are (encoding/json's
// htmlSafeSet): not control characters, ", \, <, > or &.
var plainASCII = func() (set [utf8.RuneSelf]bool) {
	for c := 0x20; c < utf8.RuneSelf; c++ {
		set[c] = c != '"' && c != '\\' && c != '<' && c != '>' && c != '&'
	}
	return set
}()

// plainASCII8 reports whether the first eight bytes of s are all plainASCII, testing
// them as one word: no byte below 0x20 or from 0x80, and none equal to ", \, <, > or &.
// (Strings are mostly plain, and this is the recorder's hottest loop.)
func plainASCII8(s string) bool {
	const ones, highs = 0x0101010101010101, 0x8080808080808080
	x := uint64(s[0]) | uint64(s[1])<<8 | uint64(s[2])<<16 | uint64(s[3])<<24 |
		uint64(s[4])<<32 | uint64(s[5])<<40 | uint64(s[6])<<48 | uint64(s[7])<<56
	hasZero := func(y uint64) uint64 { return (y - ones) & ^y & highs }
	special := ((x - 0x20*ones) | x) & highs // a byte below 0x20, or one from 0x80
	special |= hasZero(x ^ '"'*ones)
	special |= hasZero(x ^ '\\'*ones)
	special |= hasZero(x ^ '<'*ones)
	special |= hasZero(x ^ '>'*ones)
	special |= hasZero(x ^ '&'*ones)
	return special == 0
}

// appendString writes s as a JSON string exactly as encoding/json does by default:
// ", \ and control characters escaped (\b \f \n \r \t by name, others as \u00XX), <, >
// and & as \u003c \u003e \u0026, U+2028/U+2029 escaped, and each byte of invalid UTF-8
// replaced by \ufffd.
func appendString(b []byte, s string) []byte {
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		for i+8 <= len(s) && plainASCII8(s[i:]) {
			i += 8
		}
		if i == len(s) {
			break
		}
		c := s[i]
		if c < utf8.RuneSelf {
			if plainASCII[c] {
				i++
				continue
			}
			b = append(b, s[start:i]...)
			switch c {
			case '"', '\\':
				b = append(b, '\\', c)
			case '\b':
				b = append(b, '\\', 'b')
			case '\f':
				b = append(b, '\\', 'f')
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			default:
				b = append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xF])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			b = append(b, s[start:i]...)
			b = append(b, `\ufffd`...)
			i++
			start = i
			continue
		}
		if r == '\u2028' || r == '\u2029' {
			b = append(b, s[start:i]...)
			b = append(b, '\\', 'u', '2', '0', '2', hexDigits[r&0xF])
			i += size
			start = i
			continue
		}
		i += size
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}

// appendFloat writes f as encoding/json writes a float64 (ES6 number formatting). The
// recorder's times are finite; a non-finite value, which json.Marshal refuses, is written
// as 0 rather than losing the exchange.
func appendFloat(b []byte, f float64) []byte {
	if math.IsInf(f, 0) || math.IsNaN(f) {
		return append(b, '0')
	}
	// The recorder's times are whole microseconds in milliseconds: for those the shortest
	// decimal is the exact one, written here without the general algorithm.
	if us := math.Round(f * 1000); f != 0 && math.Abs(us) < 1e12 && us/1000 == f {
		return appendMillis(b, int64(us))
	}
	format := byte('f')
	if abs := math.Abs(f); abs != 0 && (abs < 1e-6 || abs >= 1e21) {
		format = 'e'
	}
	b = strconv.AppendFloat(b, f, format, -1, 64)
	if format == 'e' { // e-09 -> e-9, as encoding/json does
		n := len(b)
		if n >= 4 && b[n-4] == 'e' && b[n-3] == '-' && b[n-2] == '0' {
			b[n-2] = b[n-1]
			b = b[:n-1]
		}
	}
	return b
}

// appendMillis writes us/1000 as a decimal without trailing zeros: 1532.4 for 1532400.
func appendMillis(b []byte, us int64) []byte {
	if us < 0 {
		b = append(b, '-')
		us = -us
	}
	b = strconv.AppendInt(b, us/1000, 10)
	frac := us % 1000
	if frac == 0 {
		return b
	}
	b = append(b, '.', byte('0'+frac/100), byte('0'+frac/10%10), byte('0'+frac%10))
	for b[len(b)-1] == '0' {
		b = b[:len(b)-1]
	}
	return b
}
