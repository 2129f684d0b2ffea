package target

import (
	"errors"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/gwsconform/gwsconform/internal/yamlsyntax"
)

// fileKeys are the keys a target file may use, with what each sets.
var fileKeys = map[string]func(t *Target, n *yaml.Node) error{
	"name":                func(t *Target, n *yaml.Node) error { return scalar(n, &t.Name) },
	"baseURL":             func(t *Target, n *yaml.Node) error { return scalar(n, &t.BaseURL) },
	"customerBaseURL":     func(t *Target, n *yaml.Node) error { return scalar(n, &t.CustomerBaseURL) },
	"customerAPI":         func(t *Target, n *yaml.Node) error { return scalar(n, &t.CustomerAPI) },
	"gmsServiceName":      func(t *Target, n *yaml.Node) error { return scalar(n, &t.GMSServiceName) },
	"gmsBaseURL":          func(t *Target, n *yaml.Node) error { return scalar(n, &t.GMSBaseURL) },
	"notificationsPath":   func(t *Target, n *yaml.Node) error { return scalar(n, &t.NotificationsPath) },
	"accounts":            func(t *Target, n *yaml.Node) error { return accounts(n, &t.Accounts) },
	"queues":              func(t *Target, n *yaml.Node) error { return stringList(n, &t.Queues) },
	"contactCenterId":     func(t *Target, n *yaml.Node) error { return scalar(n, &t.ContactCenterID) },
	"routingKey":          func(t *Target, n *yaml.Node) error { return scalar(n, &t.RoutingKey) },
	"features":            func(t *Target, n *yaml.Node) error { return stringList(n, &t.Features) },
	"notificationTimeout": func(t *Target, n *yaml.Node) error { return duration(n, &t.NotificationTimeout) },
	"requestTimeout":      func(t *Target, n *yaml.Node) error { return duration(n, &t.RequestTimeout) },
	"knownFailures":       func(t *Target, n *yaml.Node) error { return stringList(n, &t.KnownFailures) },
	"strict":              func(t *Target, n *yaml.Node) error { return n.Decode(&t.Strict) },
	"product":             func(t *Target, n *yaml.Node) error { return product(n, &t.Product) },
	"profiles":            func(t *Target, n *yaml.Node) error { return stringList(n, &t.Profiles) },
	"knownFlaky":          func(t *Target, n *yaml.Node) error { return stringList(n, &t.KnownFlaky) },
}

// Load reads a target file over the defaults (see Default). Unknown keys, wrong
// types and bad durations are errors naming path:line. Fields the file leaves out
// keep their defaults.
func Load(path string) (*Target, error) {
	t, _, err := load(path)
	return t, err
}

// load is Load that also returns the line of each key the file sets, so later
// layers can say where a setting came from.
func load(path string) (*Target, map[string]int, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, nil, fmt.Errorf("target file: %w", err)
	}
	t, keys, err := parse(data)
	if err != nil {
		return nil, nil, prefixErrors(path, err)
	}
	if line, ok := keys["knownFailures"]; ok {
		t.KnownFailuresFrom = fmt.Sprintf("%s:%d", path, line)
	}
	return t, keys, nil
}

// Parse reads target-file YAML over the defaults; errors are "line N: message".
func Parse(data []byte) (*Target, error) {
	t, _, err := parse(data)
	return t, err
}

// errEmpty is the whole message for a file with no YAML in it (yaml.v3 says EOF).
var errEmpty = errors.New("empty target file (expected YAML with at least baseURL)")

func parse(data []byte) (*Target, map[string]int, error) {
	t := Default()
	doc, err := decodeDocument(data)
	if err != nil {
		return nil, nil, err
	}
	if len(doc.Content) == 0 {
		return nil, nil, errEmpty
	}
	root := doc.Content[0]
	if root.Kind != yaml.MappingNode {
		return nil, nil, fmt.Errorf("line %d: a target file is a mapping of keys (name, baseURL, accounts, ...)", root.Line)
	}
	keys := map[string]int{}
	var errs []error
	for i := 0; i+1 < len(root.Content); i += 2 {
		key, value := root.Content[i], root.Content[i+1]
		set, ok := fileKeys[key.Value]
		if !ok {
			errs = append(errs, fmt.Errorf("line %d: unknown key %q (known keys: %s)", key.Line, key.Value, knownKeys()))
			continue
		}
		keys[key.Value] = key.Line
		if err := set(t, value); err != nil {
			errs = append(errs, atLine(value.Line, key.Value, err))
		}
	}
	if err := errors.Join(errs...); err != nil {
		return nil, nil, err
	}
	t.fillZeroes()
	return t, keys, nil
}

// decodeDocument decodes one YAML document; a syntax error names the line to fix.
func decodeDocument(data []byte) (*yaml.Node, error) {
	var doc yaml.Node
	err := yaml.Unmarshal(data, &doc)
	if err == nil {
		return &doc, nil
	}
	if errors.Is(err, io.EOF) {
		return nil, errEmpty
	}
	line, problem := yamlsyntax.Locate(data, err)
	if line == 0 {
		return nil, errors.New(problem)
	}
	return nil, fmt.Errorf("line %d: %s", line, problem)
}

func knownKeys() string {
	keys := make([]string, 0, len(fileKeys))
	for k := range fileKeys {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return strings.Join(keys, ", ")
}

// prefixErrors turns each "line N: ..." of a joined error into "path:N: ...".
func prefixErrors(path string, err error) error {
	var out []string
	for _, line := range strings.Split(err.Error(), "\n") {
		if rest, ok := strings.CutPrefix(line, "line "); ok {
			out = append(out, path+":"+rest)
		} else {
			out = append(out, path+": "+line)
		}
	}
	return errors.New(strings.Join(out, "\n"))
}

// atLine says "line N: key: message", keeping a more precise line the error already names.
func atLine(line int, key string, err error) error {
	msg := err.Error()
	if rest, ok := strings.CutPrefix(msg, "line "); ok {
		if n, tail, found := strings.Cut(rest, ": "); found {
			return fmt.Errorf("line %s: %s: %s", n, key, tail)
		}
	}
	return fmt.Errorf("line %d: %s: %s", line, key, msg)
}

func scalar(n *yaml.Node, out *string) error {
	if n.Kind != yaml.ScalarNode {
		return errors.New("want a string")
	}
	*out = n.Value
	return nil
}

func stringList(n *yaml.Node, out *[]string) error {
	if n.Kind != yaml.SequenceNode {
		return errors.New("want a list of strings")
	}
	list := []string{}
	for _, item := range n.Content {
		if item.Kind != yaml.ScalarNode {
			return fmt.Errorf("line %d: want a string item", item.Line)
		}
		list = append(list, item.Value)
	}
	*out = list
	return nil
}

func duration(n *yaml.Node, out *time.Duration) error {
	if n.Kind != yaml.ScalarNode {
		return errors.New("want a duration such as 5s or 1500ms")
	}
	d, err := time.ParseDuration(n.Value)
	if err != nil || d < 0 {
		return fmt.Errorf("%q is not a duration such as 5s or 1500ms", n.Value)
	}
	*out = d
	return nil
}

// accounts reads a list of {username, password} or {username, passwordEnv}; the
// latter keeps passwords out of the file.
func accounts(n *yaml.Node, out *[]Account) error {
	if n.Kind != yaml.SequenceNode {
		return errors.New("want a list of {username, password}")
	}
	list := []Account{}
	for _, item := range n.Content {
		if item.Kind != yaml.MappingNode {
			return fmt.Errorf("line %d: want {username, password} or {username, passwordEnv}", item.Line)
		}
		var a Account
		for i := 0; i+1 < len(item.Content); i += 2 {
			key, value := item.Content[i], item.Content[i+1]
			if value.Kind != yaml.ScalarNode {
				return fmt.Errorf("line %d: %s: want a string", value.Line, key.Value)
			}
			switch key.Value {
			case "username":
				a.Username = value.Value
			case "password":
				a.Password = value.Value
			case "passwordEnv":
				pw, ok := os.LookupEnv(value.Value)
				if !ok {
					return fmt.Errorf("line %d: passwordEnv: environment variable %s is not set", value.Line, value.Value)
				}
				a.Password = pw
			default:
				return fmt.Errorf("line %d: unknown account key %q (known: username, password, passwordEnv)", key.Line, key.Value)
			}
		}
		if a.Username == "" {
			return fmt.Errorf("line %d: account without username", item.Line)
		}
		list = append(list, a)
	}
	*out = list
	return nil
}
