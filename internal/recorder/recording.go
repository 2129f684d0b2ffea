package recorder

import (
	"encoding/json"
	"net/http"
	"sort"

	"github.com/gwsconform/gwsconform/internal/gws"
)

// Recording is a whole recording in memory, for replay and scenario generation (which
// need to look around; recording and HAR export stream instead).
type Recording struct {
	Meta Meta
	// Exchanges in request order (by StartMs).
	Exchanges []*Exchange
	// Notifications are the data messages the clients received (Bayeux meta traffic
	// left out), in arrival order.
	Notifications []*BayeuxMessage
	// Warnings from reading (an interrupted last line).
	Warnings []string
}

// Load reads the recording in dir, checking every file's version.
func Load(dir string) (*Recording, error) {
	meta, err := ReadMeta(dir)
	if err != nil {
		return nil, err
	}
	rec := &Recording{Meta: meta}
	w, err := ReadExchanges(dir, func(x *Exchange) error {
		rec.Exchanges = append(rec.Exchanges, x)
		return nil
	})
	rec.Warnings = append(rec.Warnings, w...)
	if err != nil {
		return nil, err
	}
	w, err = ReadBayeux(dir, func(m *BayeuxMessage) error {
		if m.Direction == ToClient && !m.IsMeta() && len(m.Data) > 0 {
			rec.Notifications = append(rec.Notifications, m)
		}
		return nil
	})
	rec.Warnings = append(rec.Warnings, w...)
	if err != nil {
		return nil, err
	}
	sort.SliceStable(rec.Exchanges, func(i, j int) bool { return rec.Exchanges[i].StartMs < rec.Exchanges[j].StartMs })
	sort.SliceStable(rec.Notifications, func(i, j int) bool {
		a, b := rec.Notifications[i], rec.Notifications[j]
		if a.AtMs != b.AtMs {
			return a.AtMs < b.AtMs
		}
		if a.Seq != b.Seq {
			return a.Seq < b.Seq
		}
		return a.Index < b.Index
	})
	return rec, nil
}

// Causes maps each notification to the REST exchange that caused it (by Seq); a
// notification received before any request maps to 0. The rules, in order:
//   - a notification with a referenceId belongs to the request of the same account whose
//     answer carried that referenceId;
//   - otherwise to the last request (of any account: a customer's message notifies the
//     agent) that started before the notification arrived. GETs are left out: reading
//     changes nothing (a customer's transcript polls run alongside every step).
//
// "Arrived" is AtMs, the instant the connect reply carrying it reached the proxy
// (Exchange.AnsweredMs): the cause started before it, and the client's reaction (an
// agent's Accept of an Invited offer) after it, however loaded the machine. The reply's
// end would not do: the client may react before the proxy notes the end, and the offer
// would then be taken for an effect of the Accept.
func (rec *Recording) Causes() map[*BayeuxMessage]int64 {
	type ref struct {
		account string
		id      string
	}
	byRef := map[ref]int64{}
	var rest []*Exchange
	for _, x := range rec.Exchanges {
		if x.Kind == KindBayeux {
			continue
		}
		if x.Request.Method != http.MethodGet {
			rest = append(rest, x)
		}
		if id := referenceID(x.Response.Body.JSON); id != "" && x.Kind == KindAgent {
			byRef[ref{x.Account, id}] = x.Seq
		}
	}
	causes := make(map[*BayeuxMessage]int64, len(rec.Notifications))
	for _, n := range rec.Notifications {
		if id := referenceID(n.Data); id != "" {
			if seq, ok := byRef[ref{n.Account, id}]; ok {
				causes[n] = seq
				continue
			}
		}
		// Requests are sorted by start: find the last one that started before n arrived.
		i := sort.Search(len(rest), func(i int) bool { return rest[i].StartMs > n.AtMs })
		causes[n] = 0
		if i > 0 {
			causes[n] = rest[i-1].Seq
		}
		// An agent's state change is caused by the agent's own state request (agents
		// set up concurrently, so another agent's request may have started in between).
		if isChannelStateNotification(n.Data) {
			for j := i - 1; j >= 0; j-- {
				if rest[j].Kind == KindAgent && rest[j].Account == n.Account && asksForState(rest[j]) {
					causes[n] = rest[j].Seq
					break
				}
			}
		}
	}
	return causes
}

// referenceID is the referenceId of a JSON answer or notification as text
// (gws.ReferenceID), or "".
func referenceID(raw []byte) string {
	if len(raw) == 0 || raw[0] != '{' {
		return ""
	}
	doc, err := decodeJSON(raw)
	if err != nil {
		return ""
	}
	id, _ := gws.ReferenceID(doc)
	return id
}

// operationName returns the operationName of a JSON request body, or "".
func operationName(raw []byte) string {
	var v struct {
		OperationName string `json:"operationName"`
	}
	if len(raw) == 0 || raw[0] != '{' || json.Unmarshal(raw, &v) != nil {
		return ""
	}
	return v.OperationName
}

// isChannelStateNotification: an agent state notification.
func isChannelStateNotification(raw []byte) bool {
	if len(raw) == 0 || raw[0] != '{' {
		return false
	}
	doc, err := decodeJSON(raw)
	return err == nil && gws.MessageType(doc) == gws.ChannelStateChangeMessageV2
}

// called is the registered operation x called (gws.Identify), if any.
func called(x *Exchange) (gws.Op, map[string]string, bool) {
	return gws.Identify(x.Request.Method, x.Request.Path, map[string]any{"operationName": operationName(x.Request.Body.JSON)})
}

// calls reports whether x called op.
func calls(x *Exchange, op gws.Op) bool {
	got, _, ok := called(x)
	return ok && got.Dialect == op.Dialect && got.Name == op.Name
}

// asksForState: x is an agent's Ready or NotReady.
func asksForState(x *Exchange) bool {
	return calls(x, gws.Ready) || calls(x, gws.NotReady)
}
