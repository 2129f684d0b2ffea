// Package yamlsyntax places yaml.v3's syntax errors on the line a person must
// fix. yaml.v3 names the line where the construct it was parsing began, and for
// parser errors the line before that, so "did not find expected key" under a
// mis-indented key points one or more lines too early.
package yamlsyntax

import (
	"bytes"
	"errors"
	"io"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"
)

// Locate returns the line and the message (without yaml.v3's "yaml: line N: "
// prefix) of err, the syntax error decoding data failed with. The line is the
// first at which the text stops being the start of valid YAML: the shortest
// prefix of whole lines whose decoding fails with the same message. When no
// prefix fails that way (the problem only shows at the end), it is the line
// yaml.v3 named, or 0 if it named none.
func Locate(data []byte, err error) (line int, problem string) {
	reported, problem := split(err)
	lines := bytes.SplitAfter(data, []byte("\n"))
	for n := 1; n <= len(lines); n++ {
		if perr := decodeAll(bytes.Join(lines[:n], nil)); perr != nil {
			if _, p := split(perr); p == problem {
				return n, problem
			}
		}
	}
	return reported, problem
}

// split cuts "yaml: line N: problem" into N and problem.
func split(err error) (int, string) {
	msg := strings.TrimPrefix(err.Error(), "yaml: ")
	if rest, ok := strings.CutPrefix(msg, "line "); ok {
		if num, tail, found := strings.Cut(rest, ": "); found {
			if n, convErr := strconv.Atoi(num); convErr == nil {
				return n, tail
			}
		}
	}
	return 0, msg
}

// decodeAll decodes every document of data, as a multi-document file is read.
func decodeAll(data []byte) error {
	dec := yaml.NewDecoder(bytes.NewReader(data))
	for {
		var n yaml.Node
		err := dec.Decode(&n)
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return err
		}
	}
}
