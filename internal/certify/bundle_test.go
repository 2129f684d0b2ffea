package certify

import (
	"crypto/ed25519"
	"crypto/rand"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/gwsconform/gwsconform/internal/report"
)

// testResults are the results of a small run: a claimed profile that holds, a
// known failure, a deviation, so that every derived field has a value.
func testResults() *report.Results {
	r := &report.Results{
		Target:           report.TargetInfo{URL: "http://127.0.0.1:1", Name: "test"},
		DeclaredFeatures: []string{"chats", "chats.consult", "chats.url"},
		StartedAt:        time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC),
		Options:          &report.RunOptions{Processes: 1, Accounts: []string{}, Queues: []string{}, KnownFailures: []string{"Send a URL"}},
		Scenarios: []report.Scenario{
			{Name: "Accept a chat", File: "a.yaml", Line: 1, Labels: []string{}, Refs: []string{}, Requires: []string{"chats"}, Outcome: report.Pass, DurationMs: 12.5,
				Deviations: []report.Deviation{{Level: "inferred", Place: "a.yaml:9", Reason: "late"}}},
			{Name: "Consult an agent", File: "b.yaml", Line: 1, Labels: []string{}, Refs: []string{}, Requires: []string{"chats", "chats.consult"}, Outcome: report.Pass, DurationMs: 30},
			{Name: "Send a URL", File: "c.yaml", Line: 1, Labels: []string{}, Refs: []string{}, Requires: []string{"chats", "chats.url"}, Outcome: report.Fail, Reason: "no URL", Step: "c.yaml:4: step 1"},
		},
	}
	r.ApplyKnownFailures(r.Options.KnownFailures)
	catalogue := make([]Entry, len(r.Scenarios))
	for i, s := range r.Scenarios {
		catalogue[i] = Entry{Name: s.Name, Requires: s.Requires}
	}
	Judge(r, catalogue, []string{"consult-conference"}, nil)
	r.SetDuration(1500 * time.Millisecond)
	r.Finish()
	return r
}

// writeBundle writes the bundle of testResults into a new directory, signed
// with key unless it is nil.
func writeBundle(t *testing.T, key ed25519.PrivateKey) (string, *report.Results) {
	t.Helper()
	r := testResults()
	dir := t.TempDir()
	for i, s := range r.Scenarios {
		tr := &report.Transcript{Scenario: s.Name, Notifications: []report.Notification{},
			Exchanges: []report.Exchange{{Actor: "alice", Purpose: "step", Method: "POST", URL: "/api/v2/me/chats/1", Status: 200}}}
		file, err := report.WriteTranscript(dir, tr)
		if err != nil {
			t.Fatal(err)
		}
		r.Scenarios[i].Transcript = file
	}
	if err := r.WriteDir(dir); err != nil {
		t.Fatal(err)
	}
	if err := WriteManifest(dir, r, key); err != nil {
		t.Fatal(err)
	}
	return dir, r
}

func newKey(t *testing.T) (ed25519.PublicKey, ed25519.PrivateKey) {
	t.Helper()
	pub, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return pub, priv
}

func verify(t *testing.T, dir string, key ed25519.PublicKey) Report {
	t.Helper()
	rep, err := Verify(dir, key)
	if err != nil {
		t.Fatal(err)
	}
	return rep
}

// mustFail fails the test unless rep has a problem whose text holds every
// one of want.
func mustFail(t *testing.T, rep Report, want ...string) {
	t.Helper()
	for _, p := range rep.Problems {
		text := p.String()
		if !slices.ContainsFunc(want, func(w string) bool { return !strings.Contains(text, w) }) {
			return
		}
	}
	t.Errorf("want a problem naming %q; got %d problem(s):\n%s", want, len(rep.Problems), problemText(rep))
}

func problemText(rep Report) string {
	var b strings.Builder
	for _, p := range rep.Problems {
		b.WriteString("  " + p.String() + "\n")
	}
	return b.String()
}

func TestAFreshBundleVerifies(t *testing.T) {
	pub, priv := newKey(t)
	t.Run("unsigned", func(t *testing.T) {
		dir, _ := writeBundle(t, nil)
		rep := verify(t, dir, nil)
		if !rep.OK() || rep.Signature != Unsigned {
			t.Fatalf("signature %s, problems:\n%s", rep.Signature, problemText(rep))
		}
		var m Manifest
		data, _ := os.ReadFile(filepath.Join(dir, ManifestFile))
		if err := json.Unmarshal(data, &m); err != nil {
			t.Fatal(err)
		}
		var paths []string
		for _, f := range m.Files {
			paths = append(paths, f.Path)
			if len(f.SHA256) != 64 || f.Size == 0 {
				t.Errorf("file %+v", f)
			}
		}
		want := []string{report.JUnitFile, report.HTMLFile, report.JSONFile,
			"transcripts/Accept_a_chat.json", "transcripts/Consult_an_agent.json", "transcripts/Send_a_URL.json"}
		if !slices.Equal(paths, want) || m.Verdict != report.VerdictPass || m.SuiteVersion != report.SuiteVersion || m.Signature != nil {
			t.Errorf("manifest %+v, want files %v", m, want)
		}
	})
	t.Run("signed, checked", func(t *testing.T) {
		dir, _ := writeBundle(t, priv)
		rep := verify(t, dir, pub)
		if !rep.OK() || rep.Signature != Valid || rep.KeyFingerprint != Fingerprint(pub) {
			t.Fatalf("signature %s by %s, problems:\n%s", rep.Signature, rep.KeyFingerprint, problemText(rep))
		}
	})
	t.Run("signed, no key given: passes, says unchecked", func(t *testing.T) {
		dir, _ := writeBundle(t, priv)
		rep := verify(t, dir, nil)
		if !rep.OK() || rep.Signature != Unchecked || !slices.ContainsFunc(rep.Checked, func(s string) bool { return strings.Contains(s, "NOT checked") }) {
			t.Fatalf("signature %s, checked %q, problems:\n%s", rep.Signature, rep.Checked, problemText(rep))
		}
	})
	t.Run("transcripts in a subdirectory are covered too", func(t *testing.T) {
		dir, _ := writeBundle(t, nil)
		file := filepath.Join(dir, "transcripts", "Accept_a_chat.json")
		data, _ := os.ReadFile(file)
		os.WriteFile(file, append(data, ' '), 0o644)
		mustFail(t, verify(t, dir, nil), "transcripts/Accept_a_chat.json", "changed after the run")
	})
	t.Run("a played scenario without its transcript is named", func(t *testing.T) {
		dir, r := writeBundle(t, nil)
		r.Scenarios[1].Transcript = ""
		if err := r.WriteDir(dir); err != nil {
			t.Fatal(err)
		}
		if err := WriteManifest(dir, r, nil); err != nil {
			t.Fatal(err)
		}
		mustFail(t, verify(t, dir, nil), "scenarios[Consult an agent].transcript", "missing")
	})
}

// The acceptance: changing any byte of any file makes verify fail naming it.
// Every byte of the manifest and the signature is flipped in turn; of the
// other files, bytes spread over the whole file (each flip is caught by the
// same digest).
func TestFlippingAnyByteFailsNamingTheFile(t *testing.T) {
	pub, priv := newKey(t)
	for _, signed := range []bool{false, true} {
		var key ed25519.PrivateKey
		var check ed25519.PublicKey
		files := []string{report.JSONFile, report.JUnitFile, report.HTMLFile, ManifestFile}
		if signed {
			key, check = priv, pub
			files = append(files, SignatureFile)
		}
		dir, _ := writeBundle(t, key)
		for _, name := range files {
			path := filepath.Join(dir, name)
			orig, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			step := 1
			if name != ManifestFile && name != SignatureFile {
				step = max(1, len(orig)/97)
			}
			for i := 0; i < len(orig); i += step {
				flipped := slices.Clone(orig)
				flipped[i] ^= 0x01
				os.WriteFile(path, flipped, 0o644)
				rep := verify(t, dir, check)
				if rep.OK() || !strings.Contains(problemText(rep), name) {
					t.Errorf("signed=%v: byte %d of %s flipped (%q -> %q): want a problem naming %s, got:\n%s",
						signed, i, name, orig[i], flipped[i], name, problemText(rep))
				}
			}
			os.WriteFile(path, orig, 0o644)
		}
		if rep := verify(t, dir, check); !rep.OK() {
			t.Fatalf("restored bundle: %s", problemText(rep))
		}
	}
}

// editResults changes results.json with edit, writes it as a run would, and
// lists its new digest in the manifest (unsigned): an edit a digest cannot
// catch, only the re-derivation can.
func editResults(t *testing.T, dir string, edit func(*report.Results)) {
	t.Helper()
	r, err := report.ReadJSON(filepath.Join(dir, report.JSONFile))
	if err != nil {
		t.Fatal(err)
	}
	edit(r)
	if err := r.WriteJSON(filepath.Join(dir, report.JSONFile)); err != nil {
		t.Fatal(err)
	}
	if err := WriteManifest(dir, r, nil); err != nil {
		t.Fatal(err)
	}
}

func scenario(r *report.Results, name string) *report.Scenario {
	for i := range r.Scenarios {
		if r.Scenarios[i].Name == name {
			return &r.Scenarios[i]
		}
	}
	panic(name)
}

// The acceptance: editing a verdict and its digest together makes verify fail
// naming the inconsistent field.
func TestEditsWithTheirDigestFailNamingTheField(t *testing.T) {
	for _, tc := range []struct {
		name string
		edit func(*report.Results)
		want [][]string // each: the strings one problem must hold
	}{
		{"the verdict", func(r *report.Results) { r.Verdict, r.ExitCode = report.VerdictFail, 1 }, [][]string{
			{"results.json: verdict: file says \"fail\", the scenario outcomes give \"pass\""},
			{"results.json: exitCode: file says 1, the scenario outcomes give 0"},
			{"junit.xml: does not agree with results.json"},
		}},
		{"a scenario's outcome", func(r *report.Results) { scenario(r, "Consult an agent").Outcome = report.Fail }, [][]string{
			{"results.json: counts.fail: file says 1, the scenario outcomes give 2"},
			{"results.json: counts.pass: file says 2, the scenario outcomes give 1"},
			{"results.json: claims[consult-conference].certified: file says true, the scenario outcomes give false"},
			{"results.json: verdict: file says \"pass\", the scenario outcomes give \"fail\""},
		}},
		{"a claim", func(r *report.Results) {
			r.Claims = slices.DeleteFunc(r.Claims, func(c report.Claim) bool { return c.Profile == "core-chat" })
			for i := range r.Claims {
				r.Claims[i].Certified = false
			}
		}, [][]string{
			{"claims[consult-conference].certified: file says false, the scenario outcomes give true"},
		}},
		{"a consistent edit: outcome, counts, claims and verdict", func(r *report.Results) {
			scenario(r, "Consult an agent").Outcome = report.Fail
			Rejudge(r, nil)
			r.Finish()
		}, [][]string{
			{"junit.xml: does not agree with results.json"},
		}},
		{"a failure passed off as a known one", func(r *report.Results) {
			r.Options.KnownFailures = nil
			r.ApplyKnownFailures([]string{"Send a URL"})
			r.Finish()
		}, [][]string{
			{"scenarios[Send a URL].expectedFailure: file says true, the scenario outcomes give nothing"},
			{"verdict: file says \"pass\", the scenario outcomes give \"fail\""},
		}},
		{"a retried pass that hides it was flaky", func(r *report.Results) {
			scenario(r, "Consult an agent").Attempts = 2
		}, [][]string{
			{"scenarios[Consult an agent].flaky: file says nothing, the scenario outcomes give true"},
			{"claims[consult-conference].certified: file says true, the scenario outcomes give false"},
		}},
		{"a failing scenario cut out of a claim", func(r *report.Results) {
			scenario(r, "Consult an agent").Outcome = report.Fail
			for i := range r.Claims {
				if r.Claims[i].Profile == "consult-conference" {
					r.Claims[i].Scenarios = []string{}
				}
			}
			Rejudge(r, nil)
			r.Finish()
		}, [][]string{
			{`claims[consult-conference].scenarios: lacks "Consult an agent", which ran and belongs to the profile`},
		}},
		{"the counts alone", func(r *report.Results) { r.Counts.Deviations = 0 }, [][]string{
			{"counts.deviations: file says 0, the scenario outcomes give 1"},
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir, _ := writeBundle(t, nil)
			editResults(t, dir, tc.edit)
			rep := verify(t, dir, nil)
			for _, want := range tc.want {
				mustFail(t, rep, want...)
			}
			for _, p := range rep.Problems {
				if p.File != report.JSONFile && p.File != report.JUnitFile {
					t.Errorf("the digests were updated, yet: %s", p)
				}
			}
		})
	}
}

func TestSignedBundleEdits(t *testing.T) {
	pub, priv := newKey(t)
	t.Run("a manifest edited to match an edited results.json: the signature fails", func(t *testing.T) {
		dir, _ := writeBundle(t, priv)
		var m Manifest
		data, _ := os.ReadFile(filepath.Join(dir, ManifestFile))
		json.Unmarshal(data, &m)
		r, _ := report.ReadJSON(filepath.Join(dir, report.JSONFile))
		r.Target.Name = "someone else"
		r.WriteJSON(filepath.Join(dir, report.JSONFile))
		for i, f := range m.Files {
			if f.Path == report.JSONFile {
				m.Files[i], _ = digestFile(filepath.Join(dir, report.JSONFile))
				m.Files[i].Path = f.Path
			}
		}
		os.WriteFile(filepath.Join(dir, ManifestFile), m.encode(), 0o644)
		rep := verify(t, dir, pub)
		mustFail(t, rep, "manifest.sig: does not verify manifest.json")
		if rep.Signature != Invalid {
			t.Errorf("signature %s", rep.Signature)
		}
	})
	t.Run("re-written unsigned by someone without the key: fails when a key is given", func(t *testing.T) {
		dir, r := writeBundle(t, priv)
		os.Remove(filepath.Join(dir, SignatureFile))
		WriteManifest(dir, r, nil)
		mustFail(t, verify(t, dir, pub), "manifest.json: signature: the bundle is unsigned")
	})
	t.Run("signature removed, manifest still names the key", func(t *testing.T) {
		dir, _ := writeBundle(t, priv)
		os.Remove(filepath.Join(dir, SignatureFile))
		mustFail(t, verify(t, dir, nil), "manifest.sig: missing")
	})
	t.Run("another key", func(t *testing.T) {
		dir, _ := writeBundle(t, priv)
		other, _ := newKey(t)
		rep := verify(t, dir, other)
		mustFail(t, rep, "manifest.json: signature.publicKey: names key "+Fingerprint(pub))
		mustFail(t, rep, "manifest.sig: does not verify")
	})
	t.Run("a raw signature, as openssl pkeyutl writes it, verifies", func(t *testing.T) {
		dir, _ := writeBundle(t, priv)
		data, _ := os.ReadFile(filepath.Join(dir, ManifestFile))
		os.WriteFile(filepath.Join(dir, SignatureFile), ed25519.Sign(priv, data), 0o644)
		if rep := verify(t, dir, pub); !rep.OK() || rep.Signature != Valid {
			t.Fatal(problemText(rep))
		}
	})
}

func TestFilesAddedOrRemovedAreNamed(t *testing.T) {
	dir, _ := writeBundle(t, nil)
	os.WriteFile(filepath.Join(dir, "extra.txt"), []byte("x"), 0o644)
	mustFail(t, verify(t, dir, nil), "extra.txt: in the bundle but not listed in manifest.json")
	os.Remove(filepath.Join(dir, "extra.txt"))

	os.Remove(filepath.Join(dir, report.HTMLFile))
	rep := verify(t, dir, nil)
	mustFail(t, rep, "report.html: listed in manifest.json (files[1]) but missing")
	if n := strings.Count(problemText(rep), "report.html"); n != 1 {
		t.Errorf("a missing file is said %d times:\n%s", n, problemText(rep))
	}

	if err := os.Symlink("/etc/hostname", filepath.Join(dir, report.HTMLFile)); err == nil {
		mustFail(t, verify(t, dir, nil), "report.html: not a regular file")
	}

	os.Remove(filepath.Join(dir, ManifestFile))
	mustFail(t, verify(t, dir, nil), "manifest.json: missing")

	if _, err := Verify(filepath.Join(dir, "nowhere"), nil); err == nil {
		t.Error("a directory that does not exist: want an error")
	}
}
