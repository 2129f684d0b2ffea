package recorder

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
)

// maxLine bounds one fixture line: a capped body (1 MiB by default) grows by JSON escaping.
const maxLine = 64 << 20

// ReadExchanges streams DIR/exchanges.jsonl to fn, one exchange at a time, after checking
// the header. A last line cut short (the recorder was killed while writing it) is skipped
// and reported in warnings; any other malformed line is an error naming file:line.
func ReadExchanges(dir string, fn func(*Exchange) error) (warnings []string, err error) {
	return readJSONL(filepath.Join(dir, ExchangesFile), exchangesFormat, func(line []byte) error {
		var x Exchange
		if err := json.Unmarshal(line, &x); err != nil {
			return err
		}
		if x.Seq == 0 || x.Request.Method == "" {
			return errors.New("not an exchange (seq and request.method required)")
		}
		return fn(&x)
	})
}

// ReadBayeux streams DIR/bayeux.jsonl to fn, like ReadExchanges.
func ReadBayeux(dir string, fn func(*BayeuxMessage) error) (warnings []string, err error) {
	return readJSONL(filepath.Join(dir, BayeuxFile), bayeuxFormat, func(line []byte) error {
		var m BayeuxMessage
		if err := json.Unmarshal(line, &m); err != nil {
			return err
		}
		if m.Seq == 0 || m.Direction == "" {
			return errors.New("not a Bayeux message (seq and direction required)")
		}
		return fn(&m)
	})
}

// errStop ends a read early without an error.
var errStop = errors.New("stop")

func readJSONL(path, format string, decode func([]byte) error) (warnings []string, err error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	r := bufio.NewReaderSize(f, 64<<10)
	for n := 1; ; n++ {
		line, complete, err := readLine(r)
		if err != nil {
			return warnings, fmt.Errorf("%s:%d: %w", path, n, err)
		}
		if line == nil {
			if n == 1 {
				return warnings, fmt.Errorf("%s:1: empty file, want a fixture header {\"format\":%q,\"version\":%d}", path, format, Version)
			}
			return warnings, nil
		}
		if n == 1 {
			var h header
			if err := json.Unmarshal(line, &h); err != nil {
				return warnings, fmt.Errorf("%s:1: fixture header: %w", path, err)
			}
			if err := checkVersion(fmt.Sprintf("%s:1", path), h.Format, format, h.Version); err != nil {
				return warnings, err
			}
			continue
		}
		if len(bytes.TrimSpace(line)) == 0 {
			continue
		}
		if err := decode(line); err != nil {
			if errors.Is(err, errStop) {
				return warnings, nil
			}
			var syntax *json.SyntaxError
			if !complete && (errors.As(err, &syntax) || errors.Is(err, io.ErrUnexpectedEOF) || isUnexpectedEnd(err)) {
				warnings = append(warnings, fmt.Sprintf("%s:%d: incomplete last line ignored (the recording was interrupted)", path, n))
				return warnings, nil
			}
			return warnings, fmt.Errorf("%s:%d: %w", path, n, err)
		}
	}
}

func isUnexpectedEnd(err error) bool {
	return err != nil && err.Error() == "unexpected end of JSON input"
}

// readLine returns the next line without its newline; complete is false when the file
// ended without one. nil, nil at the end.
func readLine(r *bufio.Reader) (line []byte, complete bool, err error) {
	for {
		chunk, err := r.ReadSlice('\n')
		if len(line)+len(chunk) > maxLine {
			return nil, false, fmt.Errorf("line longer than %d bytes", maxLine)
		}
		line = append(line, chunk...)
		switch {
		case err == nil:
			return line[:len(line)-1], true, nil
		case errors.Is(err, bufio.ErrBufferFull):
			continue
		case errors.Is(err, io.EOF):
			if len(line) == 0 {
				return nil, false, nil
			}
			return line, false, nil
		default:
			return nil, false, err
		}
	}
}
