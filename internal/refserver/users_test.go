package refserver

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestLoadUsers(t *testing.T) {
	dir := t.TempDir()
	write := func(name, text string) string {
		path := filepath.Join(dir, name)
		if err := os.WriteFile(path, []byte(text), 0o600); err != nil {
			t.Fatal(err)
		}
		return path
	}
	users, err := LoadUsers(write("ok.yaml", "- username: sam\n  password: pw\n  queues: [queue2]\n- {username: kim, password: pw2, userId: abc}\n"))
	if err != nil {
		t.Fatal(err)
	}
	if len(users) != 2 || users[0].UserID != userIDFor("sam") || users[1].UserID != "abc" || users[0].Queues[0] != "queue2" {
		t.Errorf("users: %+v", users)
	}
	if _, err := LoadUsers(write("ok.json", `[{"username":"a","password":"b"}]`)); err != nil {
		t.Errorf("JSON list: %v", err)
	}
	for name, c := range map[string]struct{ text, want string }{
		"nopw.yaml": {"- username: sam\n", "nopw.yaml:1: user \"sam\" has no password"},
		"dup.yaml":  {"- {username: a, password: b}\n- {username: a, password: c}\n", "dup.yaml:2: user \"a\" already defined at line 1"},
		"map.yaml":  {"username: a\n", "map.yaml:1: want a list of users"},
		"bad.yaml":  {"- username: [\n", "bad.yaml"},
	} {
		_, err := LoadUsers(write(name, c.text))
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: want an error containing %q, got %v", name, c.want, err)
		}
	}
	if _, err := New(Config{Users: []User{{Username: "x", Password: "y", Queues: []string{"nope"}}}}); err == nil ||
		!strings.Contains(err.Error(), `unknown queue "nope"`) {
		t.Errorf("unknown queue: %v", err)
	}
	if got := DefaultUsers(); len(got) != 8 || got[7].Username != "agent8" || got[0].Password != "password" {
		t.Errorf("DefaultUsers: %+v", got)
	}
}
