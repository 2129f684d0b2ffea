package report

import (
	"errors"
	"os"
	"path/filepath"
)

// File names inside a --report-dir.
const (
	JSONFile  = "results.json"
	JUnitFile = "junit.xml"
	HTMLFile  = "report.html"
)

// WriteDir creates dir if needed and writes results.json, junit.xml and report.html
// into it.
func (r *Results) WriteDir(dir string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	return errors.Join(
		r.WriteJSON(filepath.Join(dir, JSONFile)),
		r.WriteJUnit(filepath.Join(dir, JUnitFile)),
		r.WriteHTML(filepath.Join(dir, HTMLFile)),
	)
}
