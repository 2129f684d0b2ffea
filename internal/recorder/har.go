package recorder

import (
	"bufio"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"sort"
	"strings"
	"time"
)

// HAR 1.2 (http://www.softwareishard.com/blog/har-12-spec/), the subset browser devtools read.
type harEntry struct {
	StartedDateTime string         `json:"startedDateTime"`
	Time            float64        `json:"time"`
	Request         harRequest     `json:"request"`
	Response        harResponse    `json:"response"`
	Cache           struct{}       `json:"cache"`
	Timings         harTimings     `json:"timings"`
	Comment         string         `json:"comment,omitempty"`
	Custom          map[string]any `json:"_gwsconform,omitempty"`
}

type harNameValue struct {
	Name  string `json:"name"`
	Value string `json:"value"`
}

type harRequest struct {
	Method      string         `json:"method"`
	URL         string         `json:"url"`
	HTTPVersion string         `json:"httpVersion"`
	Cookies     []harNameValue `json:"cookies"`
	Headers     []harNameValue `json:"headers"`
	QueryString []harNameValue `json:"queryString"`
	PostData    *harPostData   `json:"postData,omitempty"`
	HeadersSize int            `json:"headersSize"`
	BodySize    int64          `json:"bodySize"`
}

type harPostData struct {
	MimeType string `json:"mimeType"`
	Text     string `json:"text"`
}

type harResponse struct {
	Status      int            `json:"status"`
	StatusText  string         `json:"statusText"`
	HTTPVersion string         `json:"httpVersion"`
	Cookies     []harNameValue `json:"cookies"`
	Headers     []harNameValue `json:"headers"`
	Content     harContent     `json:"content"`
	RedirectURL string         `json:"redirectURL"`
	HeadersSize int            `json:"headersSize"`
	BodySize    int64          `json:"bodySize"`
}

type harContent struct {
	Size     int64  `json:"size"`
	MimeType string `json:"mimeType"`
	Text     string `json:"text,omitempty"`
	Encoding string `json:"encoding,omitempty"`
	Comment  string `json:"comment,omitempty"`
}

type harTimings struct {
	Send    float64 `json:"send"`
	Wait    float64 `json:"wait"`
	Receive float64 `json:"receive"`
}

// ExportHAR writes the recording in dir as HAR 1.2 to path, one entry per exchange in
// start order. It streams: one exchange is in memory at a time (the sort keeps only
// offsets). It returns the reader's warnings (an interrupted last line).
func ExportHAR(dir, path string) (warnings []string, err error) {
	meta, err := ReadMeta(dir)
	if err != nil {
		return nil, err
	}
	// Exchanges are appended in completion order; HAR viewers expect start order. Collect
	// (start, seq) pairs first, then write in that order with a second pass per batch.
	type key struct {
		start float64
		seq   int64
	}
	var keys []key
	warnings, err = ReadExchanges(dir, func(x *Exchange) error {
		keys = append(keys, key{x.StartMs, x.Seq})
		return nil
	})
	if err != nil {
		return warnings, err
	}
	sort.Slice(keys, func(i, j int) bool { return keys[i].start < keys[j].start })
	order := make(map[int64]int, len(keys))
	for i, k := range keys {
		order[k.seq] = i
	}

	f, err := os.Create(path)
	if err != nil {
		return warnings, err
	}
	defer f.Close()
	w := bufio.NewWriterSize(f, 64<<10)
	creator, _ := json.Marshal(map[string]string{"name": "gwsconform", "version": "1"})
	fmt.Fprintf(w, `{"log":{"version":"1.2","creator":%s,"pages":[],"comment":%q,"entries":[`, creator,
		"recorded through gwsconform record from "+meta.Target)
	// Write entries in start order without holding them: entries that complete out of
	// order are rare and short-lived, so a small reorder buffer keyed by position suffices.
	pending := map[int][]byte{}
	next, written := 0, 0
	flush := func() error {
		for {
			data, ok := pending[next]
			if !ok {
				return nil
			}
			delete(pending, next)
			if written > 0 {
				w.WriteByte(',')
			}
			w.WriteByte('\n')
			if _, err := w.Write(data); err != nil {
				return err
			}
			written++
			next++
		}
	}
	_, err = ReadExchanges(dir, func(x *Exchange) error {
		data, err := json.Marshal(harFromExchange(meta.Started, x))
		if err != nil {
			return err
		}
		pending[order[x.Seq]] = data
		return flush()
	})
	if err != nil {
		return warnings, err
	}
	w.WriteString("\n]}}\n")
	if err := w.Flush(); err != nil {
		return warnings, err
	}
	return warnings, f.Close()
}

func harFromExchange(started time.Time, x *Exchange) harEntry {
	u := url.URL{Scheme: "http", Host: x.Request.Host, Path: x.Request.Path, RawQuery: x.Request.Query}
	e := harEntry{
		StartedDateTime: started.Add(time.Duration(x.StartMs * float64(time.Millisecond))).UTC().Format("2006-01-02T15:04:05.000Z"),
		Time:            x.DurationMs,
		Request: harRequest{
			Method: x.Request.Method, URL: u.String(), HTTPVersion: "HTTP/1.1",
			Cookies:     requestCookies(x.Request.Header),
			Headers:     harHeaders(x.Request.Header),
			QueryString: harQuery(x.Request.Query),
			HeadersSize: -1,
			BodySize:    x.Request.Body.Size,
		},
		Response: harResponse{
			Status: x.Response.Status, StatusText: http.StatusText(x.Response.Status), HTTPVersion: "HTTP/1.1",
			Cookies:     responseCookies(x.Response.Header),
			Headers:     harHeaders(x.Response.Header),
			Content:     harBody(x.Response.Body, x.Response.Header.Get("Content-Type")),
			HeadersSize: -1,
			BodySize:    x.Response.Body.Size,
		},
		Timings: harTimings{Wait: x.DurationMs},
		Comment: x.Error,
		Custom:  map[string]any{"seq": x.Seq, "kind": x.Kind, "account": x.Account},
	}
	if x.Request.Body.Size > 0 {
		c := harBody(x.Request.Body, x.Request.Header.Get("Content-Type"))
		e.Request.PostData = &harPostData{MimeType: c.MimeType, Text: c.Text}
		if c.Encoding != "" { // HAR postData has no encoding field: say so rather than mislabel
			e.Request.PostData.Text = "(binary body, " + fmt.Sprint(x.Request.Body.Size) + " bytes, not shown)"
		}
	}
	return e
}

func harBody(b Body, contentType string) harContent {
	if contentType == "" {
		contentType = "application/octet-stream"
	}
	c := harContent{Size: b.Size, MimeType: contentType}
	switch {
	case b.JSON != nil:
		c.Text = string(b.JSON)
	case b.Base64 != "":
		c.Text, c.Encoding = b.Base64, "base64"
	default:
		c.Text = b.Text
	}
	if b.Truncated {
		c.Comment = "body truncated by the recorder's capture cap"
	}
	return c
}

func harHeaders(h http.Header) []harNameValue {
	out := []harNameValue{}
	names := make([]string, 0, len(h))
	for name := range h {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		for _, v := range h[name] {
			out = append(out, harNameValue{name, v})
		}
	}
	return out
}

func harQuery(raw string) []harNameValue {
	out := []harNameValue{}
	for _, part := range strings.Split(raw, "&") {
		if part == "" {
			continue
		}
		k, v, _ := strings.Cut(part, "=")
		if uk, err := url.QueryUnescape(k); err == nil {
			k = uk
		}
		if uv, err := url.QueryUnescape(v); err == nil {
			v = uv
		}
		out = append(out, harNameValue{k, v})
	}
	return out
}

func requestCookies(h http.Header) []harNameValue {
	out := []harNameValue{}
	for _, c := range (&http.Request{Header: h}).Cookies() {
		out = append(out, harNameValue{c.Name, c.Value})
	}
	return out
}

func responseCookies(h http.Header) []harNameValue {
	out := []harNameValue{}
	for _, c := range (&http.Response{Header: h}).Cookies() {
		out = append(out, harNameValue{c.Name, c.Value})
	}
	return out
}
