package target

import (
	"errors"
	"fmt"
	"slices"
	"strings"

	"gopkg.in/yaml.v3"
)

// Product is what a vendor certifies: the target file's `product`. Zero for a
// run that certifies nothing.
type Product struct {
	Vendor  string `json:"vendor"`
	Name    string `json:"name"`
	Version string `json:"version"`
	// GWSVersion is the GWS release the product claims to implement; it selects
	// the statusCode values that count as documented (GWSVersions).
	GWSVersion string `json:"gwsVersion"`
}

// IsZero reports whether no product was declared.
func (p Product) IsZero() bool { return p == Product{} }

// GWSVersions are the releases a product may claim, each with the highest
// statusCode its "Return Values" page documents: 0-6 in 8.5.0, 0-7 in 8.5.1
// (7 is partial success), 0-20 in 8.5.2 (API-NOTES, statusCode return values).
var GWSVersions = map[string]int{"8.5.0": 6, "8.5.1": 7, "8.5.2": 20}

// product reads {vendor, name, version, gwsVersion}; every key is required, so
// a bundle always says exactly what it certifies.
func product(n *yaml.Node, out *Product) error {
	if n.Kind != yaml.MappingNode {
		return errors.New("want {vendor, name, version, gwsVersion}")
	}
	var p Product
	fields := map[string]*string{"vendor": &p.Vendor, "name": &p.Name, "version": &p.Version, "gwsVersion": &p.GWSVersion}
	for i := 0; i+1 < len(n.Content); i += 2 {
		key, value := n.Content[i], n.Content[i+1]
		field, ok := fields[key.Value]
		if !ok {
			return fmt.Errorf("line %d: unknown product key %q (known: vendor, name, version, gwsVersion)", key.Line, key.Value)
		}
		if value.Kind != yaml.ScalarNode || value.Value == "" {
			return fmt.Errorf("line %d: %s: want a non-empty string", value.Line, key.Value)
		}
		*field = value.Value
	}
	var missing []string
	for _, k := range []string{"vendor", "name", "version", "gwsVersion"} {
		if *fields[k] == "" {
			missing = append(missing, k)
		}
	}
	if len(missing) > 0 {
		return fmt.Errorf("line %d: product needs %s", n.Line, strings.Join(missing, ", "))
	}
	if _, ok := GWSVersions[p.GWSVersion]; !ok {
		versions := make([]string, 0, len(GWSVersions))
		for v := range GWSVersions {
			versions = append(versions, v)
		}
		slices.Sort(versions)
		return fmt.Errorf("line %d: gwsVersion %q: want one of %s", n.Line, p.GWSVersion, strings.Join(versions, ", "))
	}
	*out = p
	return nil
}
