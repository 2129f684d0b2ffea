package recorder

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const goodHeader = `{"format":"gwsconform.exchanges","version":1}` + "\n"

func exchangeLine(seq string) string {
	return `{"seq":` + seq + `,"startMs":1,"durationMs":2,"kind":"agent","account":"a","request":{"method":"GET","host":"h","path":"/api/v2/me","headers":{},"body":{"size":0}},"response":{"status":200,"headers":{},"body":{"size":0}}}` + "\n"
}

func writeExchanges(t *testing.T, content string) string {
	t.Helper()
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, ExchangesFile), []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return dir
}

func TestFixtureVersionIsChecked(t *testing.T) {
	cases := map[string]struct{ content, want string }{
		"unknown version": {`{"format":"gwsconform.exchanges","version":2}` + "\n", "exchanges.jsonl:1: fixture version 2 is not supported"},
		"missing version": {`{"format":"gwsconform.exchanges"}` + "\n", "exchanges.jsonl:1: fixture version missing"},
		"no header":       {exchangeLine("1"), "exchanges.jsonl:1: not a gwsconform fixture header"},
		"empty file":      {"", "exchanges.jsonl:1: empty file"},
		"wrong file kind": {`{"format":"gwsconform.bayeux","version":1}` + "\n", `format "gwsconform.bayeux", want "gwsconform.exchanges"`},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			dir := writeExchanges(t, tc.content)
			_, err := ReadExchanges(dir, func(*Exchange) error { return nil })
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error %v, want it to contain %q", err, tc.want)
			}
		})
	}
}

func TestMetaVersionIsChecked(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, MetaFile), []byte(`{"format":"gwsconform.recording","version":7}`), 0o644)
	if _, err := ReadMeta(dir); err == nil || !strings.Contains(err.Error(), "meta.json:1: fixture version 7 is not supported") {
		t.Fatalf("error %v", err)
	}
}

func TestTruncatedLastLineIsToleratedWithAWarning(t *testing.T) {
	full := goodHeader + exchangeLine("1") + exchangeLine("2")
	cut := exchangeLine("3")
	dir := writeExchanges(t, full+cut[:len(cut)/2])
	var seqs []int64
	warnings, err := ReadExchanges(dir, func(x *Exchange) error {
		seqs = append(seqs, x.Seq)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(seqs) != 2 || seqs[0] != 1 || seqs[1] != 2 {
		t.Fatalf("read %v, want the two complete exchanges", seqs)
	}
	if len(warnings) != 1 || !strings.Contains(warnings[0], "exchanges.jsonl:4: incomplete last line") {
		t.Fatalf("warnings %v", warnings)
	}
}

func TestMalformedLineNamesFileAndLine(t *testing.T) {
	dir := writeExchanges(t, goodHeader+exchangeLine("1")+"{not json\n"+exchangeLine("3"))
	_, err := ReadExchanges(dir, func(*Exchange) error { return nil })
	if err == nil || !strings.Contains(err.Error(), "exchanges.jsonl:3:") {
		t.Fatalf("error %v, want exchanges.jsonl:3", err)
	}
	dir = writeExchanges(t, goodHeader+`{"seq":0}`+"\n")
	_, err = ReadExchanges(dir, func(*Exchange) error { return nil })
	if err == nil || !strings.Contains(err.Error(), "exchanges.jsonl:2: not an exchange") {
		t.Fatalf("error %v", err)
	}
}

// A recorder killed mid-session leaves every finished exchange readable: each line is
// written through as its exchange completes, before Close.
func TestExchangesAreOnDiskBeforeClose(t *testing.T) {
	up := fakeUpstream(t, nil)
	rec, proxy := startRecorder(t, up.URL, Options{})
	for range 3 {
		do(t, httpClient(), proxy, call{method: "GET", path: "/api/v2/me", user: "agent1", password: "pw"})
	}
	rec.Sync()
	xs := readAllExchanges(t, rec.Dir()) // not closed yet
	if len(xs) != 3 || xs[2].Seq != 3 {
		t.Fatalf("read %d exchanges before Close, want 3", len(xs))
	}
	if _, err := os.Stat(filepath.Join(rec.Dir(), HARFile)); err == nil {
		t.Fatalf("HAR exists before Close")
	}
}
