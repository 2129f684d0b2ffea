package certify

import (
	"bytes"
	"crypto/ed25519"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strings"
)

// Problem is one thing wrong with a bundle: the file it is in and, for a JSON
// file, the field (a path such as "claims[core-chat].certified"; empty when
// the problem is the whole file).
type Problem struct {
	File    string
	Field   string
	Message string
}

func (p Problem) String() string {
	if p.Field == "" {
		return p.File + ": " + p.Message
	}
	return p.File + ": " + p.Field + ": " + p.Message
}

// Signature states of a verified bundle.
const (
	Unsigned  = "unsigned"
	Unchecked = "signed, not checked" // signed, and no public key was given
	Valid     = "valid"
	Invalid   = "invalid"
)

// Report is what Verify checked and what it found.
type Report struct {
	Dir string
	// Checked says, one line each and in order, what was checked; a reader
	// needs to know what a pass covers as much as what failed.
	Checked []string
	// Signature is one of Unsigned, Unchecked, Valid, Invalid; KeyFingerprint
	// the key the manifest names, when it names one.
	Signature      string
	KeyFingerprint string
	Problems       []Problem
}

// OK reports whether the bundle verified: no problem at all.
func (r *Report) OK() bool { return len(r.Problems) == 0 }

func (r *Report) problem(file, field, format string, args ...any) {
	r.Problems = append(r.Problems, Problem{File: file, Field: field, Message: fmt.Sprintf(format, args...)})
}

func (r *Report) checked(format string, args ...any) {
	r.Checked = append(r.Checked, fmt.Sprintf(format, args...))
}

// Verify checks the bundle in dir: that every file the manifest lists is there
// with its size and SHA-256 and no other file is; the signature, against
// publicKey when it is not nil; and that the verdicts in results.json follow
// from its scenario outcomes, and junit.xml from results.json (rederive). A
// signed bundle verified without a key passes with Signature Unchecked; an
// unsigned one verified with a key is a problem. The error is for a dir that
// cannot be read at all; everything wrong inside it is a Problem.
func Verify(dir string, publicKey ed25519.PublicKey) (Report, error) {
	rep := Report{Dir: dir, Signature: Unsigned}
	info, err := os.Stat(dir)
	if err != nil {
		return rep, err
	}
	if !info.IsDir() {
		return rep, fmt.Errorf("%s: not a directory", dir)
	}
	present, irregular, err := bundleFiles(dir)
	if err != nil {
		return rep, err
	}
	for _, rel := range irregular {
		rep.problem(rel, "", "not a regular file (a symlink?); a bundle holds files only")
	}
	raw, m := readManifest(dir, &rep)
	if m != nil {
		checkFiles(dir, m, present, &rep)
	}
	checkSignature(dir, raw, m, publicKey, &rep)
	checkResults(dir, m, &rep)
	return rep, nil
}

// readManifest parses manifest.json strictly; m is nil when it is missing or
// unreadable (a problem). raw is the file's bytes, which the signature covers.
func readManifest(dir string, rep *Report) (raw []byte, m *Manifest) {
	raw, err := os.ReadFile(filepath.Join(dir, ManifestFile))
	if errors.Is(err, fs.ErrNotExist) {
		rep.problem(ManifestFile, "", "missing: this is not a bundle of gwsconform run --report-dir, or its manifest was removed")
		return nil, nil
	}
	if err != nil {
		rep.problem(ManifestFile, "", "unreadable: %v", err)
		return nil, nil
	}
	m = &Manifest{}
	if err := decodeStrict(raw, m); err != nil {
		rep.problem(ManifestFile, "", "not a valid manifest: %v", err)
		return raw, nil
	}
	if !bytes.Equal(m.encode(), raw) {
		rep.problem(ManifestFile, "", "not byte for byte what gwsconform writes for its content: edited after the run")
	}
	if m.Format != ManifestFormat {
		rep.problem(ManifestFile, "format", "%q, want %q", m.Format, ManifestFormat)
	}
	rep.checked("%s: format %s, suite version %s, verdict %s, %d file(s) listed", ManifestFile, m.Format, m.SuiteVersion, m.Verdict, len(m.Files))
	return raw, m
}

// decodeStrict decodes exactly one JSON value into v, refusing fields v does
// not have: what it cannot represent, it cannot check.
func decodeStrict(data []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return err
	}
	if _, err := dec.Token(); err != io.EOF {
		return errors.New("more than one JSON value")
	}
	return nil
}

// checkFiles compares the listed files with the files present.
func checkFiles(dir string, m *Manifest, present []string, rep *Report) {
	listed := make(map[string]int, len(m.Files))
	for i, f := range m.Files {
		at := fmt.Sprintf("files[%d]", i)
		if p := path.Clean(f.Path); p != f.Path || p == "." || strings.HasPrefix(p, "../") || p == ".." || path.IsAbs(p) || strings.Contains(p, `\`) {
			rep.problem(ManifestFile, at+".path", "%q is not a clean relative path inside the bundle", f.Path)
			continue
		}
		if j, dup := listed[f.Path]; dup {
			rep.problem(ManifestFile, at+".path", "%q is listed twice (files[%d] too)", f.Path, j)
			continue
		}
		listed[f.Path] = i
	}
	here := make(map[string]bool, len(present))
	for _, rel := range present {
		here[rel] = true
		if _, ok := listed[rel]; !ok {
			rep.problem(rel, "", "in the bundle but not listed in %s: added after the run", ManifestFile)
		}
	}
	matched := 0
	for i, f := range m.Files {
		if listed[f.Path] != i {
			continue // reported above
		}
		if !here[f.Path] {
			rep.problem(f.Path, "", "listed in %s (files[%d]) but missing", ManifestFile, i)
			continue
		}
		got, err := digestFile(filepath.Join(dir, filepath.FromSlash(f.Path)))
		switch {
		case err != nil:
			rep.problem(f.Path, "", "unreadable: %v", err)
		case got.Size != f.Size:
			rep.problem(f.Path, "", "%d bytes, %s files[%d].size says %d: changed after the run", got.Size, ManifestFile, i, f.Size)
		case got.SHA256 != f.SHA256:
			rep.problem(f.Path, "", "SHA-256 %s, %s files[%d].sha256 says %s: changed after the run", got.SHA256, ManifestFile, i, f.SHA256)
		default:
			matched++
		}
	}
	rep.checked("files: %d of %d listed match their size and SHA-256; %d file(s) in the directory", matched, len(m.Files), len(present))
}

// checkSignature checks manifest.sig over the exact bytes of manifest.json.
func checkSignature(dir string, raw []byte, m *Manifest, key ed25519.PublicKey, rep *Report) {
	sigData, err := os.ReadFile(filepath.Join(dir, SignatureFile))
	sigPresent := err == nil
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		rep.problem(SignatureFile, "", "unreadable: %v", err)
	}
	if m == nil {
		if key != nil || sigPresent {
			rep.Signature = Invalid
			rep.problem(SignatureFile, "", "cannot be checked: %s is missing or invalid", ManifestFile)
		}
		return
	}
	if m.Signature == nil {
		if sigPresent {
			rep.problem(SignatureFile, "", "present, but %s names no signing key (its signature block removed?)", ManifestFile)
		}
		if key != nil {
			rep.problem(ManifestFile, "signature", "the bundle is unsigned, but a public key (%s) was given: a signed bundle was expected", Fingerprint(key))
		}
		rep.checked("signature: none, the bundle is unsigned")
		return
	}
	s := m.Signature
	rep.Signature, rep.KeyFingerprint = Unchecked, s.PublicKey
	if s.Algorithm != "ed25519" {
		rep.problem(ManifestFile, "signature.algorithm", "%q, want \"ed25519\"", s.Algorithm)
	}
	if s.File != SignatureFile {
		rep.problem(ManifestFile, "signature.file", "%q, want %q", s.File, SignatureFile)
	}
	if !sigPresent {
		rep.Signature = Invalid
		rep.problem(SignatureFile, "", "missing, but %s says the bundle is signed by %s", ManifestFile, s.PublicKey)
		return
	}
	sig, err := decodeSignature(sigData)
	if err != nil {
		rep.Signature = Invalid
		rep.problem(SignatureFile, "", "%v", err)
		return
	}
	if key == nil {
		rep.checked("signature: signed by key %s, NOT checked (no public key given)", s.PublicKey)
		return
	}
	if len(key) != ed25519.PublicKeySize {
		rep.Signature = Invalid
		rep.problem(SignatureFile, "", "cannot be checked: the public key given is %d bytes, want %d", len(key), ed25519.PublicKeySize)
		return
	}
	if fp := Fingerprint(key); fp != s.PublicKey {
		rep.problem(ManifestFile, "signature.publicKey", "names key %s, the public key given is %s", s.PublicKey, fp)
	}
	if !ed25519.Verify(key, raw, sig) {
		rep.Signature = Invalid
		rep.problem(SignatureFile, "", "does not verify %s with key %s: the manifest or its signature changed after signing, or another key signed it", ManifestFile, Fingerprint(key))
		return
	}
	rep.Signature = Valid
	rep.checked("signature: valid, Ed25519 key %s", s.PublicKey)
}

// decodeSignature reads manifest.sig: exactly the standard base64 of the 64
// signature bytes and a newline (what WriteManifest writes), or the 64 raw
// bytes `openssl pkeyutl -sign -rawin` writes, so a bundle can be signed
// again without gwsconform. Nothing else is accepted, not even other
// whitespace or unused padding bits: a changed byte of the file must show.
func decodeSignature(data []byte) ([]byte, error) {
	if len(data) == ed25519.SignatureSize {
		return data, nil
	}
	text := strings.TrimSuffix(string(data), "\n")
	sig, err := base64.StdEncoding.DecodeString(text)
	if err == nil && len(sig) == ed25519.SignatureSize && base64.StdEncoding.EncodeToString(sig)+"\n" == string(data) {
		return sig, nil
	}
	return nil, fmt.Errorf("not an Ed25519 signature: want the %d bytes in base64 and a newline, or raw", ed25519.SignatureSize)
}
