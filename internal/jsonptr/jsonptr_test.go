package jsonptr

import (
	"encoding/json"
	"reflect"
	"testing"
)

func TestGet(t *testing.T) {
	var doc any
	if err := json.Unmarshal([]byte(`{"a":{"b/c":[10,{"~d":true}]},"":0}`), &doc); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		pointer string
		want    any
		ok      bool
	}{
		{"", doc, true},
		{"/a/b~1c/0", 10.0, true},
		{"a/b~1c/1/~0d", true, true},
		{"/", 0.0, true},
		{"/a/b~1c/2", nil, false},
		{"/a/b~1c/-1", nil, false},
		{"/a/b~1c/x", nil, false},
		{"/a/missing", nil, false},
		{"/a/b~1c/0/deeper", nil, false},
	}
	for _, c := range cases {
		got, ok := Get(doc, c.pointer)
		if ok != c.ok || !reflect.DeepEqual(got, c.want) {
			t.Errorf("Get(%q) = %v, %v; want %v, %v", c.pointer, got, ok, c.want, c.ok)
		}
	}
}

func TestEscapeRoundTrip(t *testing.T) {
	for _, key := range []string{"plain", "a/b", "~1", "~/~0/"} {
		if got := Unescape(Escape(key)); got != key {
			t.Errorf("Unescape(Escape(%q)) = %q", key, got)
		}
	}
	if got := Escape("a~/b"); got != "a~0~1b" {
		t.Errorf("Escape = %q, want a~0~1b", got)
	}
}
