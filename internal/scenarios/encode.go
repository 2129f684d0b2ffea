package scenarios

import (
	"bytes"
	"encoding/json"
	"fmt"
	"sort"
	"strconv"

	"gopkg.in/yaml.v3"
)

// Encode writes doc as a YAML scenario file. It builds yaml.v3 nodes so that keys come
// in the order people expect (name first, op before body) and small leaf collections
// print in flow style, like the hand-written catalogue.
func Encode(doc *Document) ([]byte, error) {
	var buf bytes.Buffer
	if doc.Comment != "" {
		buf.WriteString("# " + doc.Comment + "\n")
	}
	enc := yaml.NewEncoder(&buf)
	enc.SetIndent(2)
	top := documentNode(doc)
	top.Style = 0
	if err := enc.Encode(top); err != nil {
		return nil, fmt.Errorf("encode scenario %q: %w", doc.Name, err)
	}
	if err := enc.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

func documentNode(doc *Document) *yaml.Node {
	var actors Fields
	for _, a := range doc.Actors {
		if a.Kind == KindAgent {
			if a.NotReady {
				actors = append(actors, Field{a.Name, Fields{{"kind", KindAgent}, {"ready", false}}})
			} else {
				actors = append(actors, Field{a.Name, KindAgent})
			}
			continue
		}
		spec := Fields{{"kind", a.Kind}, {"nickname", a.Nickname}}
		if len(a.RouteTo) > 0 {
			spec = append(spec, Field{"routeTo", a.RouteTo})
		}
		actors = append(actors, Field{a.Name, spec})
	}
	steps := make([]any, len(doc.Steps))
	for i := range doc.Steps {
		steps[i] = Fields{{doc.Steps[i].Actor, stepFields(&doc.Steps[i])}}
	}
	top := Fields{{"name", doc.Name}, {"description", nonEmpty(doc.Description)}, {"refs", nonEmptyList(doc.Refs)}, {"labels", nonEmptyList(doc.Labels)}}
	if len(doc.Requires) > 0 {
		top = append(top, Field{"requires", doc.Requires})
	}
	if doc.Serial {
		top = append(top, Field{"serial", true})
	}
	top = append(top, Field{"actors", actors}, Field{"steps", sequence(steps...)})
	return mapping(top...)
}

func stepFields(s *DocStep) Fields {
	var f Fields
	switch {
	case s.Await != nil:
		f = Fields{{"await", sequence(s.Await...)}}
	case s.HTTP != nil:
		req := Fields{{"method", s.HTTP.Method}, {"path", s.HTTP.Path}, {"query", nonEmptyFields(s.HTTP.Query)}, {"body", s.HTTP.Body}, {"auth", nonEmpty(s.HTTP.Auth)}}
		if s.HTTP.NoCSRF {
			req = append(req, Field{"csrf", false})
		}
		f = Fields{{"http", req}}
	default:
		f = Fields{{"op", s.Op}, {"dialect", nonEmpty(s.Dialect)}, {"chat", s.Chat}, {"body", s.Body}, {"query", nonEmptyFields(s.Query)}}
	}
	f = append(f, Field{"within", nonEmpty(s.Within)})
	if s.Expect != nil {
		f = append(f, Field{"expect", Fields{{"status", s.Expect.Status}, {"body", s.Expect.Body}}})
	}
	f = append(f, Field{"save", nonEmptyFields(s.Save)})
	if len(s.Then) > 0 {
		f = append(f, Field{"then", sequence(s.Then...)})
	}
	return f
}

// nonEmpty and its kin turn empty members into nil, which mapping leaves out.
func nonEmpty(s string) any {
	if s == "" {
		return nil
	}
	return s
}

func nonEmptyList(l []string) any {
	if len(l) == 0 {
		return nil
	}
	return l
}

func nonEmptyFields(f Fields) any {
	if len(f) == 0 {
		return nil
	}
	return f
}

func mapping(fields ...Field) *yaml.Node {
	n := &yaml.Node{Kind: yaml.MappingNode, Tag: "!!map"}
	for _, p := range fields {
		if p.Value == nil {
			continue
		}
		n.Content = append(n.Content, strNode(p.Key), valueNode(p.Value))
	}
	flowIfSmall(n)
	return n
}

func sequence(items ...any) *yaml.Node {
	n := &yaml.Node{Kind: yaml.SequenceNode, Tag: "!!seq"}
	for _, it := range items {
		n.Content = append(n.Content, valueNode(it))
	}
	flowIfSmall(n)
	return n
}

func strNode(s string) *yaml.Node {
	return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: s}
}

func nullNode() *yaml.Node { return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!null", Value: "null"} }

// valueNode converts a free-form value (decoded JSON, Fields) into a YAML node.
func valueNode(v any) *yaml.Node {
	switch v := v.(type) {
	case *yaml.Node:
		return v
	case Fields:
		return mapping(v...)
	case string:
		return strNode(v)
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
	case nil, null:
		return nullNode()
	case map[string]any:
		keys := make([]string, 0, len(v))
		for k := range v {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		fields := make(Fields, 0, len(keys))
		for _, k := range keys {
			val := v[k]
			if val == nil {
				val = nullNode() // a JSON null is kept, not dropped
			}
			fields = append(fields, Field{k, val})
		}
		return mapping(fields...)
	case []any:
		return sequence(v...)
	case []string:
		items := make([]any, len(v))
		for i, s := range v {
			items[i] = s
		}
		return sequence(items...)
	default:
		return strNode(fmt.Sprint(v))
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
