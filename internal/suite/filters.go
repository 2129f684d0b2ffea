package suite

import (
	"errors"
	"fmt"
	"regexp"
	"strings"
	"time"

	. "github.com/onsi/ginkgo/v2"
	"github.com/onsi/ginkgo/v2/types"
)

// Filters are the scenario selection (Select) and output options (GinkgoConfig)
// of a run.
type Filters struct {
	LabelFilter string        // --label-filter, over labels and feature:NAME
	Focus       []string      // --focus regexps over the name, case-insensitive (any)
	Skip        []string      // --skip regexps over the name, case-insensitive (any)
	Timeout     time.Duration // --timeout of the whole run; zero = Ginkgo's default (1h)
	Verbose     bool          // -v: stream every spec and the runner's log
	NoColor     bool          // --no-color
	Seed        int64         // --seed; zero = Ginkgo's default (time based)
	FailFast    bool          // --fail-fast
}

// GinkgoConfig checks the filters and builds Ginkgo's configuration from them.
// Errors name the flag, so nothing reaches Ginkgo that would make it exit the
// process on its own. The filters themselves are applied by Select, not by
// Ginkgo: Ginkgo matches --focus against "gwsconform " + the name, case-sensitively.
func (f Filters) GinkgoConfig() (types.SuiteConfig, types.ReporterConfig, error) {
	suiteConfig, reporterConfig := GinkgoConfiguration()
	_, err := f.compile()
	if f.Timeout < 0 {
		err = errors.Join(err, fmt.Errorf("--timeout %s: must be positive", f.Timeout))
	}
	if err != nil {
		return suiteConfig, reporterConfig, err
	}
	suiteConfig.FailFast = f.FailFast
	if f.Timeout > 0 {
		suiteConfig.Timeout = f.Timeout
	}
	if f.Seed != 0 {
		suiteConfig.RandomSeed = f.Seed
	}
	reporterConfig.Verbose = f.Verbose
	reporterConfig.NoColor = f.NoColor
	return suiteConfig, reporterConfig, nil
}

var ansiEscape = regexp.MustCompile("\x1b\\[[0-9;]*m")

// plainText removes the terminal colors Ginkgo puts in its error messages and
// folds them onto one line.
func plainText(s string) string {
	return strings.Join(strings.Fields(ansiEscape.ReplaceAllString(s, "")), " ")
}
