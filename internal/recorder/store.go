package recorder

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sync"
)

// jsonlWriter appends one JSON value per line and writes each line through to the file at
// once, so a crash loses at most the line being written.
type jsonlWriter struct {
	mu   sync.Mutex
	f    *os.File
	path string
}

func createJSONL(path, format string) (*jsonlWriter, error) {
	f, err := os.OpenFile(path, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, 0o644)
	if err != nil {
		return nil, err
	}
	w := &jsonlWriter{f: f, path: path}
	if err := w.write(header{Format: format, Version: Version}); err != nil {
		f.Close()
		return nil, err
	}
	return w, nil
}

// write encodes v with encoding/json and appends it (file headers, tests).
func (w *jsonlWriter) write(v any) error {
	line, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("%s: encode: %w", w.path, err)
	}
	return w.writeLine(line)
}

// writeLine appends line and a newline with one write(2). line's spare capacity may be
// used for the newline: it must not be shared with another goroutine.
func (w *jsonlWriter) writeLine(line []byte) error {
	line = append(line, '\n')
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.f == nil {
		return fmt.Errorf("%s: already closed", w.path)
	}
	if _, err := w.f.Write(line); err != nil {
		return fmt.Errorf("%s: %w", w.path, err)
	}
	return nil
}

func (w *jsonlWriter) close() error {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.f == nil {
		return nil
	}
	err := w.f.Close()
	w.f = nil
	return err
}

// writeMeta replaces meta.json atomically (write to a temporary file, then rename).
func writeMeta(dir string, m Meta) error {
	m.Format, m.Version = metaFormat, Version
	data, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return err
	}
	path := filepath.Join(dir, MetaFile)
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, append(data, '\n'), 0o644); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}

// ReadMeta reads and checks DIR/meta.json.
func ReadMeta(dir string) (Meta, error) {
	path := filepath.Join(dir, MetaFile)
	data, err := os.ReadFile(path)
	if err != nil {
		return Meta{}, err
	}
	var m Meta
	if err := json.Unmarshal(data, &m); err != nil {
		return Meta{}, fmt.Errorf("%s: %w", path, err)
	}
	if err := checkVersion(path+":1", m.Format, metaFormat, m.Version); err != nil {
		return Meta{}, err
	}
	return m, nil
}

func checkVersion(where, format, wantFormat string, version int) error {
	if format != wantFormat {
		return fmt.Errorf("%s: not a gwsconform fixture header: format %q, want %q", where, format, wantFormat)
	}
	switch version {
	case Version:
		return nil
	case 0:
		return fmt.Errorf("%s: fixture version missing (this build reads version %d)", where, Version)
	default:
		return fmt.Errorf("%s: fixture version %d is not supported (this build reads version %d)", where, version, Version)
	}
}

func base64Decode(s string) ([]byte, error) { return base64.StdEncoding.DecodeString(s) }
