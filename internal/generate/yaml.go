package generate

import (
	"encoding/json"
	"fmt"
	"sort"
	"strconv"

	"gopkg.in/yaml.v3"
)

// Building YAML as nodes keeps the key order people expect (name first, op before body)
// and lets small leaf mappings print in flow style like the hand-written catalogue.

// kv is one key and value of an ordered mapping; a nil value drops the key.
type kv struct {
	k string
	v any
}

func mapping(pairs ...kv) *yaml.Node {
	n := &yaml.Node{Kind: yaml.MappingNode, Tag: "!!map"}
	for _, p := range pairs {
		if p.v == nil {
			continue
		}
		n.Content = append(n.Content, str(p.k), toNode(p.v))
	}
	flowIfSmall(n)
	return n
}

func sequence(items ...any) *yaml.Node {
	n := &yaml.Node{Kind: yaml.SequenceNode, Tag: "!!seq"}
	for _, it := range items {
		n.Content = append(n.Content, toNode(it))
	}
	flowIfSmall(n)
	return n
}

func str(s string) *yaml.Node {
	return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: s}
}

// toNode converts decoded JSON (and nodes, ordered pairs) into a YAML node.
func toNode(v any) *yaml.Node {
	switch v := v.(type) {
	case *yaml.Node:
		return v
	case []kv:
		return mapping(v...)
	case string:
		return str(v)
	case bool:
		return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!bool", Value: strconv.FormatBool(v)}
	case int:
		return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!int", Value: strconv.Itoa(v)}
	case json.Number:
		tag := "!!int"
		if _, err := v.Int64(); err != nil {
			tag = "!!float"
		}
		return &yaml.Node{Kind: yaml.ScalarNode, Tag: tag, Value: v.String()}
	case float64:
		return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!float", Value: strconv.FormatFloat(v, 'g', -1, 64)}
	case nil:
		return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!null", Value: "null"}
	case map[string]any:
		keys := make([]string, 0, len(v))
		for k := range v {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		pairs := make([]kv, 0, len(keys))
		for _, k := range keys {
			val := v[k]
			if val == nil {
				val = &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!null", Value: "null"}
			}
			pairs = append(pairs, kv{k, val})
		}
		return mapping(pairs...)
	case []any:
		return sequence(v...)
	case []string:
		items := make([]any, len(v))
		for i, s := range v {
			items[i] = s
		}
		return sequence(items...)
	default:
		return str(fmt.Sprint(v))
	}
}

// flowIfSmall prints a collection of a few scalars on one line: {type: Text, text: hi}.
func flowIfSmall(n *yaml.Node) {
	if len(n.Content) == 0 {
		return
	}
	for _, c := range n.Content {
		if c.Kind != yaml.ScalarNode && c.Style != yaml.FlowStyle {
			return
		}
	}
	if flowWidth(n) <= 72 {
		n.Style = yaml.FlowStyle
	}
}

// flowWidth estimates the printed width of n in flow style.
func flowWidth(n *yaml.Node) int {
	w := len(n.Value) + 2
	for _, c := range n.Content {
		w += flowWidth(c)
	}
	return w
}
