package schemas

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/gwsconform/gwsconform/internal/jsonptr"
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
		if v, ok := jsonptr.Get(doc, pointer); !ok {
			t.Errorf("%s: no such location", location)
		} else if _, isString := v.(string); !isString {
			t.Errorf("%s: not a pattern but %v", location, v)
		}
	}
}
