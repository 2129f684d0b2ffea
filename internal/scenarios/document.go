package scenarios

// Document is a scenario as an author writes it, before loading: what a generator
// builds, and Encode writes in the catalogue's style. The structure (actors, steps and
// their kinds) is typed; bodies, matchers and notifications are free-form values
// (strings, numbers, booleans, nil, []any, map[string]any or ordered Fields).
type Document struct {
	Comment     string // the header comment, without "# "
	Name        string
	Description string
	Refs        []string
	Labels      []string
	Requires    []string // features besides those the steps imply
	Serial      bool
	Actors      []DocActor
	Steps       []DocStep
}

// DocActor is one entry of `actors`.
type DocActor struct {
	Name     string
	Kind     string // KindAgent or KindCustomer
	Nickname string
	RouteTo  []string
	NotReady bool // an agent declared `ready: false`
}

// DocStep is one step: an op step (Op set), an http step (HTTP set) or an await (Await
// set, nothing else but Actor and Within).
type DocStep struct {
	Actor   string
	Op      string
	Dialect string
	Chat    any
	Query   Fields
	Body    any
	HTTP    *DocHTTP
	Await   []any
	Within  string
	Expect  *DocExpect
	Save    Fields // variable name -> JSON pointer
	Then    []any
}

// DocHTTP is an http step's request.
type DocHTTP struct {
	Method string
	Path   string
	Query  Fields
	Body   any
	Auth   string // "", "none" or "wrong"
	NoCSRF bool   // `csrf: false`
}

// DocExpect is an `expect` block; nil members are left out.
type DocExpect struct {
	Status any
	Body   any
}

// Fields is an ordered mapping, for free-form values whose key order people read
// (operationName first in a body, say). A nil Value drops the key.
type Fields []Field

// Null is an explicit null in a free-form value (a nil Value drops its key instead).
var Null any = null{}

type null struct{}

// Field is one key of Fields.
type Field struct {
	Key   string
	Value any
}

// Lookup is the value of key, if present.
func (fs Fields) Lookup(key string) (any, bool) {
	for _, f := range fs {
		if f.Key == key {
			return f.Value, true
		}
	}
	return nil, false
}
