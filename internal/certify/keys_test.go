package certify

import (
	"crypto/sha256"
	"encoding/hex"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

func TestWriteKeyPairWritesAPairItReadsBack(t *testing.T) {
	prefix := filepath.Join(t.TempDir(), "vendor")
	keyFile, pubFile, fp, err := WriteKeyPair(prefix)
	if err != nil {
		t.Fatal(err)
	}
	info, err := os.Stat(keyFile)
	if err != nil || info.Mode().Perm() != 0o600 {
		t.Errorf("%s: mode %v, %v; want 0600", keyFile, info.Mode().Perm(), err)
	}
	priv, err := ReadPrivateKey(keyFile)
	if err != nil {
		t.Fatal(err)
	}
	pub, err := ReadPublicKey(pubFile)
	if err != nil {
		t.Fatal(err)
	}
	if !pub.Equal(priv.Public()) || Fingerprint(pub) != fp || !strings.HasPrefix(fp, "sha256:") {
		t.Errorf("the pair does not match: fingerprint %s", fp)
	}
	if _, _, _, err := WriteKeyPair(prefix); err == nil || !strings.Contains(err.Error(), "exists") {
		t.Errorf("a second keygen over the same prefix: %v, want a refusal", err)
	}
	// The likely mix-up: one key file for the other.
	if _, err := ReadPrivateKey(pubFile); err == nil || !strings.Contains(err.Error(), `"PUBLIC KEY" block, want "PRIVATE KEY"`) {
		t.Errorf("public key read as private: %v", err)
	}
	if _, err := ReadPublicKey(keyFile); err == nil || !strings.Contains(err.Error(), `"PRIVATE KEY" block, want "PUBLIC KEY"`) {
		t.Errorf("private key read as public: %v", err)
	}
	junk := filepath.Join(t.TempDir(), "junk")
	os.WriteFile(junk, []byte("not a key"), 0o600)
	if _, err := ReadPrivateKey(junk); err == nil || !strings.Contains(err.Error(), "junk: not a PEM file") {
		t.Errorf("junk: %v", err)
	}
}

// The key files are openssl's: a key openssl made signs, and the
// fingerprint is the SHA-256 of the DER public key openssl prints.
func TestOpensslKeysAreReadAndFingerprintedAlike(t *testing.T) {
	openssl, err := exec.LookPath("openssl")
	if err != nil {
		t.Skip("no openssl")
	}
	dir := t.TempDir()
	keyFile, pubFile := filepath.Join(dir, "k.pem"), filepath.Join(dir, "k.pub")
	for _, args := range [][]string{
		{"genpkey", "-algorithm", "ed25519", "-out", keyFile},
		{"pkey", "-in", keyFile, "-pubout", "-out", pubFile},
	} {
		if out, err := exec.Command(openssl, args...).CombinedOutput(); err != nil {
			t.Skipf("openssl %v: %v\n%s", args, err, out)
		}
	}
	priv, err := ReadPrivateKey(keyFile)
	if err != nil {
		t.Fatal(err)
	}
	pub, err := ReadPublicKey(pubFile)
	if err != nil {
		t.Fatal(err)
	}
	if !pub.Equal(priv.Public()) {
		t.Fatal("openssl's public key is not the private key's")
	}
	der, err := exec.Command(openssl, "pkey", "-pubin", "-in", pubFile, "-outform", "DER").Output()
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(der)
	if want := "sha256:" + hex.EncodeToString(sum[:]); Fingerprint(pub) != want {
		t.Errorf("fingerprint %s, openssl's DER gives %s", Fingerprint(pub), want)
	}

	bundle, _ := writeBundle(t, priv)
	if rep := verify(t, bundle, pub); !rep.OK() || rep.Signature != Valid {
		t.Fatalf("signed with openssl's key: %s %s", rep.Signature, problemText(rep))
	}
}
