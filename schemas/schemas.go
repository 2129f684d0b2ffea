// Package schemas holds the JSON Schemas of every payload of the GWS Chat API that
// gwsconform exchanges (REST bodies, notifications, Bayeux envelopes, customer API)
// and of the answers of GMS Chat API v2 (gms/), embedded in the binary and compiled
// once.
//
// A schema is named by its path without ".json": "request/chats", "notification",
// "bayeux/response". Files named common.json hold shared definitions only and are not
// schemas of their own.
package schemas

import (
	"bytes"
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"path"
	"sort"
	"strings"
	"sync"

	"github.com/santhosh-tekuri/jsonschema/v5"
)

//go:embed *.json request response notification bayeux gms
var files embed.FS

// baseURL is the base of every schema's $id; relative $refs resolve against it, and
// nothing is ever fetched from it.
const baseURL = "https://gwsconform.dev/schemas/"

// sharedFile names the files that only hold definitions other schemas reference.
const sharedFile = "common.json"

var (
	compileOnce sync.Once
	compiled    map[string]*jsonschema.Schema
	compileErr  error
)

// Names returns every schema name, sorted.
func Names() []string {
	names, err := schemaNames()
	if err != nil {
		return nil
	}
	return names
}

// Validate checks instance against the named schema. instance is decoded JSON (any),
// raw JSON (json.RawMessage or []byte), or any Go value encoding/json can marshal
// (a Go string is a JSON string value, not a document). It returns nil, a
// *ValidationError listing each problem with its JSON pointer, or another error
// (unknown schema name, invalid JSON).
func Validate(schema string, instance any) error {
	compiledSchemas, err := load()
	if err != nil {
		return err
	}
	sch, ok := compiledSchemas[schema]
	if !ok {
		return fmt.Errorf("schemas: unknown schema %q; valid names: %s", schema, strings.Join(Names(), ", "))
	}
	doc, err := toJSONValue(instance)
	if err != nil {
		return fmt.Errorf("schemas: %s: %w", schema, err)
	}
	if err := sch.Validate(doc); err != nil {
		var verr *jsonschema.ValidationError
		if errors.As(err, &verr) {
			return &ValidationError{Schema: schema, Problems: problems(verr, doc)}
		}
		return fmt.Errorf("schemas: %s: %w", schema, err)
	}
	return nil
}

// load compiles every embedded schema the first time it is needed. A failure is a
// bug in a schema file; the tests catch it, and Validate reports it instead of panicking.
func load() (map[string]*jsonschema.Schema, error) {
	compileOnce.Do(func() { compiled, compileErr = compileAll() })
	return compiled, compileErr
}

func compileAll() (map[string]*jsonschema.Schema, error) {
	c := jsonschema.NewCompiler()
	c.Draft = jsonschema.Draft2020
	// Every $ref must resolve to an embedded file: refuse to load anything else.
	c.LoadURL = func(url string) (io.ReadCloser, error) {
		return nil, fmt.Errorf("schemas: $ref to %s, which is not an embedded schema file", url)
	}
	err := fs.WalkDir(files, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || path.Ext(p) != ".json" {
			return err
		}
		data, err := files.ReadFile(p)
		if err != nil {
			return err
		}
		if err := c.AddResource(baseURL+p, bytes.NewReader(data)); err != nil {
			return fmt.Errorf("schemas: %s: %w", p, err)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	names, err := schemaNames()
	if err != nil {
		return nil, err
	}
	out := make(map[string]*jsonschema.Schema, len(names))
	for _, name := range names {
		sch, err := c.Compile(baseURL + name + ".json")
		if err != nil {
			return nil, fmt.Errorf("schemas: %s.json does not compile: %w", name, err)
		}
		out[name] = sch
	}
	return out, nil
}

// schemaNames lists the embedded schema files, shared-definition files excluded.
func schemaNames() ([]string, error) {
	var names []string
	err := fs.WalkDir(files, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || path.Ext(p) != ".json" || path.Base(p) == sharedFile {
			return err
		}
		names = append(names, strings.TrimSuffix(p, ".json"))
		return nil
	})
	sort.Strings(names)
	return names, err
}

// toJSONValue turns instance into the values the validator understands: raw JSON is
// decoded (numbers kept exact), plain decoded JSON is used as is, and any other Go
// value (structs, typed maps, ints) goes through encoding/json first.
func toJSONValue(instance any) (any, error) {
	switch v := instance.(type) {
	case json.RawMessage:
		return decode(v)
	case []byte:
		return decode(v)
	}
	if isDecodedJSON(instance) {
		return instance, nil
	}
	data, err := json.Marshal(instance)
	if err != nil {
		return nil, fmt.Errorf("instance is not JSON-encodable: %w", err)
	}
	return decode(data)
}

func decode(data []byte) (any, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, fmt.Errorf("invalid JSON: %w", err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, errors.New("invalid JSON: data after the top-level value")
	}
	return v, nil
}

// isDecodedJSON reports whether v holds only the types encoding/json decodes into.
func isDecodedJSON(v any) bool {
	switch v := v.(type) {
	case nil, bool, string, float64, json.Number:
		return true
	case []any:
		for _, item := range v {
			if !isDecodedJSON(item) {
				return false
			}
		}
		return true
	case map[string]any:
		for _, item := range v {
			if !isDecodedJSON(item) {
				return false
			}
		}
		return true
	}
	return false
}
