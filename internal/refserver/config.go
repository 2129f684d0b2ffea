package refserver

import (
	"crypto/sha1"
	"encoding/hex"
	"fmt"
	"log/slog"
	"os"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/gwsconform/gwsconform/internal/bayeux"
)

// User is one agent account of the reference server.
type User struct {
	Username  string   `yaml:"username" json:"username"`
	Password  string   `yaml:"password" json:"password"`
	UserID    string   `yaml:"userId" json:"userId"`
	FirstName string   `yaml:"firstName" json:"firstName"`
	LastName  string   `yaml:"lastName" json:"lastName"`
	Queues    []string `yaml:"queues" json:"queues"` // empty = every configured queue
}

// Config configures a reference server. The zero value is a working server.
type Config struct {
	Users           []User   // nil = DefaultUsers()
	Queues          []string // nil = ["queue1","queue2"]
	ContactCenterID string   // "" = any ContactCenterId accepted
	Faults          []string // named faults (see Faults()); an unknown name is an error from New
	Tolerate        []string // named legal variations (see Tolerations())
	Bayeux          bayeux.ServerOptions
	Logger          *slog.Logger // nil = discard
}

// DefaultQueues are the queues of a server configured without any.
func DefaultQueues() []string { return []string{"queue1", "queue2"} }

// DefaultUsers returns agent1..agent8, password "password", members of every queue.
func DefaultUsers() []User { return NumberedUsers(8) }

// NumberedUsers returns agent1..agentN like DefaultUsers: the embedded target of
// the harness needs more of them, eight per parallel process.
func NumberedUsers(n int) []User {
	names := []string{"One", "Two", "Three", "Four", "Five", "Six", "Seven", "Eight"}
	users := make([]User, 0, n)
	for i := range n {
		name := fmt.Sprintf("agent%d", i+1)
		last := fmt.Sprint(i + 1)
		if i < len(names) {
			last = names[i]
		}
		users = append(users, User{
			Username:  name,
			Password:  "password",
			UserID:    userIDFor(name),
			FirstName: "Agent",
			LastName:  last,
		})
	}
	return users
}

// userIDFor derives the 32-hex user id of an account that does not name one, so ids
// are stable across runs: the first 32 hex digits of sha1(username).
func userIDFor(username string) string {
	sum := sha1.Sum([]byte(username))
	return hex.EncodeToString(sum[:])[:32]
}

// LoadUsers reads a YAML (or JSON, which is YAML) list of users. Every error names
// the file and line. A user without userId gets the derived one.
func LoadUsers(path string) ([]User, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("users file: %w", err)
	}
	var doc yaml.Node
	if err := yaml.Unmarshal(raw, &doc); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if len(doc.Content) == 0 {
		return nil, fmt.Errorf("%s: no users", path)
	}
	list := doc.Content[0]
	if list.Kind != yaml.SequenceNode {
		return nil, fmt.Errorf("%s:%d: want a list of users", path, list.Line)
	}
	seen := map[string]int{}
	users := make([]User, 0, len(list.Content))
	for _, node := range list.Content {
		var u User
		if err := node.Decode(&u); err != nil {
			return nil, fmt.Errorf("%s:%d: %w", path, node.Line, err)
		}
		switch {
		case strings.TrimSpace(u.Username) == "":
			return nil, fmt.Errorf("%s:%d: user has no username", path, node.Line)
		case u.Password == "":
			return nil, fmt.Errorf("%s:%d: user %q has no password", path, node.Line, u.Username)
		}
		if line, dup := seen[u.Username]; dup {
			return nil, fmt.Errorf("%s:%d: user %q already defined at line %d", path, node.Line, u.Username, line)
		}
		seen[u.Username] = node.Line
		if u.UserID == "" {
			u.UserID = userIDFor(u.Username)
		}
		users = append(users, u)
	}
	if len(users) == 0 {
		return nil, fmt.Errorf("%s: no users", path)
	}
	return users, nil
}
