package schemas

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"testing"
)

// brokenCase is one file of testdata/broken: an instance that must not validate, and
// where and why the error must say it fails.
type brokenCase struct {
	Why      string          `json:"why"`
	Schema   string          `json:"schema"`
	Pointer  string          `json:"pointer"`
	Keyword  string          `json:"keyword"`
	Instance json.RawMessage `json:"instance"`
}

func TestBrokenSamplesFailAtTheRightPlace(t *testing.T) {
	files, err := filepath.Glob(filepath.Join("testdata", "broken", "*.json"))
	if err != nil {
		t.Fatal(err)
	}
	if len(files) < 15 {
		t.Fatalf("only %d broken samples in testdata/broken", len(files))
	}
	for _, file := range files {
		t.Run(filepath.Base(file), func(t *testing.T) {
			data, err := os.ReadFile(file)
			if err != nil {
				t.Fatal(err)
			}
			var c brokenCase
			if err := json.Unmarshal(data, &c); err != nil {
				t.Fatalf("%s: %v", file, err)
			}
			err = Validate(c.Schema, c.Instance)
			var verr *ValidationError
			if !errors.As(err, &verr) {
				t.Fatalf("%s (%s): want a ValidationError from %s, got %v", file, c.Why, c.Schema, err)
			}
			if !hasProblem(verr.Problems, c.Pointer, c.Keyword) {
				t.Errorf("%s (%s): want a %q problem at %q, got:\n%v", file, c.Why, c.Keyword, c.Pointer, err)
			}
			if len(verr.Problems) != 1 {
				t.Errorf("%s: a single defect should give one problem, got:\n%v", file, err)
			}
		})
	}
}
