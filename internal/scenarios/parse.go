package scenarios

import "errors"

// Parse reads the scenarios of one file held in memory (a generated one, say), shown
// in messages as file; the embedded catalogue's fragments are available to include.
func Parse(file string, data []byte) ([]*Scenario, error) {
	var p problems
	docs := parseDocuments(data, file, &p)
	if len(p.list) > 0 {
		return nil, errors.Join(p.sorted()...)
	}
	return load([]source{catalogueSource(true)}, docs...)
}
