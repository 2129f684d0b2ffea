package certify

import (
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"

	"github.com/gwsconform/gwsconform/internal/report"
)

// The bundle's own files, next to what internal/report writes.
const (
	ManifestFile  = "manifest.json"
	SignatureFile = "manifest.sig"
)

// ManifestFormat names the manifest's layout; Verify refuses any other.
const ManifestFormat = "gwsconform-bundle/1"

// Manifest is manifest.json: what a bundle holds, so that a reviewer can tell
// an edited or incomplete bundle from the one a run wrote. It lists every file
// of the report directory but itself and its signature.
type Manifest struct {
	Format string `json:"format"`
	// SuiteVersion and Verdict repeat results.json's, so the manifest (and
	// its signature) alone say what the bundle claims.
	SuiteVersion string `json:"suiteVersion"`
	Verdict      string `json:"verdict"`
	// Files are sorted by path; paths are relative, with "/" separators.
	Files []FileDigest `json:"files"`
	// Signature is set when the bundle is signed; nil otherwise.
	Signature *SignatureInfo `json:"signature,omitempty"`
}

// FileDigest is one file of a bundle.
type FileDigest struct {
	Path   string `json:"path"`
	Size   int64  `json:"size"`
	SHA256 string `json:"sha256"` // hex
}

// SignatureInfo says how the bundle is signed. It is inside the signed bytes,
// so nobody can swap in another key's name without breaking the signature.
type SignatureInfo struct {
	Algorithm string `json:"algorithm"` // "ed25519"
	// PublicKey is the Fingerprint of the key that verifies it.
	PublicKey string `json:"publicKey"`
	// File holds the signature of the exact bytes of manifest.json, in
	// standard base64 and a newline.
	File string `json:"file"`
}

// Seal writes manifest.json into dir, the report directory of r, after every
// other file of the bundle is written, and signs it with the Ed25519 key in
// keyFile unless keyFile is empty. It is the last thing a run does to dir.
func Seal(dir string, r *report.Results, keyFile string) error {
	var key ed25519.PrivateKey
	if keyFile != "" {
		var err error
		if key, err = ReadPrivateKey(keyFile); err != nil {
			return fmt.Errorf("signing key: %w", err)
		}
	}
	return WriteManifest(dir, r, key)
}

// WriteManifest writes manifest.json for the files in dir and, when key is
// not nil, manifest.sig. An unsigned bundle loses any manifest.sig of an
// earlier run into the same directory: a stale signature would fail verify.
func WriteManifest(dir string, r *report.Results, key ed25519.PrivateKey) error {
	files, irregular, err := bundleFiles(dir)
	if err != nil {
		return err
	}
	if len(irregular) > 0 {
		return fmt.Errorf("%s: not a regular file; a bundle holds files only", filepath.Join(dir, irregular[0]))
	}
	m := Manifest{Format: ManifestFormat, SuiteVersion: r.SuiteVersion, Verdict: r.Verdict, Files: []FileDigest{}}
	for _, rel := range files {
		d, err := digestFile(filepath.Join(dir, filepath.FromSlash(rel)))
		if err != nil {
			return err
		}
		d.Path = rel
		m.Files = append(m.Files, d)
	}
	if key != nil {
		m.Signature = &SignatureInfo{Algorithm: "ed25519", PublicKey: Fingerprint(key.Public().(ed25519.PublicKey)), File: SignatureFile}
	}
	data := m.encode()
	if err := os.WriteFile(filepath.Join(dir, ManifestFile), data, 0o644); err != nil {
		return err
	}
	sigPath := filepath.Join(dir, SignatureFile)
	if key == nil {
		if err := os.Remove(sigPath); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return err
		}
		return nil
	}
	sig := base64.StdEncoding.EncodeToString(ed25519.Sign(key, data))
	return os.WriteFile(sigPath, []byte(sig+"\n"), 0o644)
}

// encode is the one byte form of a manifest: Verify re-encodes what it parsed
// and compares, so a manifest that parses the same but reads differently
// (a duplicated key, a key in other case, which encoding/json accepts) is
// not mistaken for the one the run wrote.
func (m Manifest) encode() []byte {
	data, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		panic(err) // strings and numbers only: cannot fail
	}
	return append(data, '\n')
}

// bundleFiles lists the files under dir but the manifest and its signature,
// as sorted slash paths, and apart what is neither a regular file nor a
// directory: a symlink would let the bundle's content live outside it, so
// neither WriteManifest nor Verify follows one.
func bundleFiles(dir string) (files, irregular []string, err error) {
	err = filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(dir, p)
		if err != nil {
			return err
		}
		rel = filepath.ToSlash(rel)
		switch {
		case d.IsDir():
			return nil
		case !d.Type().IsRegular():
			irregular = append(irregular, rel)
			return nil
		case rel == ManifestFile || rel == SignatureFile:
			return nil
		}
		files = append(files, rel)
		return nil
	})
	slices.Sort(files)
	return files, irregular, err
}

// digestFile is the size and SHA-256 of the file at path.
func digestFile(path string) (FileDigest, error) {
	f, err := os.Open(path)
	if err != nil {
		return FileDigest{}, err
	}
	defer f.Close()
	h := sha256.New()
	n, err := io.Copy(h, f)
	if err != nil {
		return FileDigest{}, err
	}
	return FileDigest{Size: n, SHA256: hex.EncodeToString(h.Sum(nil))}, nil
}
