package recorder

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v5"
)

// harSchema is the HAR 1.2 JSON Schema of the har-schema npm package (the one HAR
// validators use), installed by `npm ci --prefix internal/interop`; compiled once.
var harSchema = sync.OnceValues(func() (*jsonschema.Schema, error) {
	lib, err := filepath.Abs("../interop/node_modules/har-schema/lib")
	if err != nil {
		return nil, err
	}
	files, err := filepath.Glob(filepath.Join(lib, "*.json"))
	if err != nil || len(files) == 0 {
		return nil, fmt.Errorf("the HAR 1.2 schema is missing from %s: run `npm ci --prefix internal/interop` in the repository root", lib)
	}
	// The schemas name each other relatively ("log.json#"), so they are added under one base.
	const base = "https://har-schema.invalid/"
	c := jsonschema.NewCompiler()
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			return nil, err
		}
		if err := c.AddResource(base+filepath.Base(f), bytes.NewReader(data)); err != nil {
			return nil, fmt.Errorf("%s: %w", f, err)
		}
	}
	return c.Compile(base + "har.json")
})

// validateHAR checks a HAR file against the HAR 1.2 schema; the error names each
// offending place by JSON pointer.
func validateHAR(harPath string) error {
	schema, err := harSchema()
	if err != nil {
		return err
	}
	data, err := os.ReadFile(harPath)
	if err != nil {
		return err
	}
	var doc any
	if err := json.Unmarshal(data, &doc); err != nil {
		return fmt.Errorf("%s is not JSON: %w", harPath, err)
	}
	if err := schema.Validate(doc); err != nil {
		return fmt.Errorf("%s does not match the HAR 1.2 schema: %#v", harPath, err)
	}
	return nil
}

func checkHARSchema(t *testing.T, harPath string) {
	t.Helper()
	if err := validateHAR(harPath); err != nil {
		t.Fatal(err)
	}
}
