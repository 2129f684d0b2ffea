package schemas

import (
	"encoding/json"
	"strings"
	"testing"
)

// Each plain-words pattern message must name a pattern that exists, or it silently
// stops applying when a schema file is edited.
func TestPatternMeaningsNameRealPatterns(t *testing.T) {
	for location := range patternMeanings {
		file, pointer, _ := strings.Cut(location, "#")
		data, err := files.ReadFile(file)
		if err != nil {
			t.Errorf("%s: %v", location, err)
			continue
		}
		var doc any
		if err := json.Unmarshal(data, &doc); err != nil {
			t.Fatalf("%s: %v", file, err)
		}
		if v, ok := lookup(doc, pointer); !ok {
			t.Errorf("%s: no such location", location)
		} else if _, isString := v.(string); !isString {
			t.Errorf("%s: not a pattern but %v", location, v)
		}
	}
}

func TestProblemPointersEscapeNames(t *testing.T) {
	// A missing property whose name holds "/" or "~" gets an escaped pointer token.
	if got := escapePointer("a/b~c"); got != "a~1b~0c" {
		t.Errorf("escapePointer = %q", got)
	}
	doc := map[string]any{"a/b": []any{"x", map[string]any{"~k": "v"}}}
	if v, ok := lookup(doc, "/a~1b/1/~0k"); !ok || v != "v" {
		t.Errorf("lookup = %v, %v", v, ok)
	}
	if _, ok := lookup(doc, "/a~1b/7"); ok {
		t.Error("lookup found an index out of range")
	}
}
