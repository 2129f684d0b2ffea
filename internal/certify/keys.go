package certify

import (
	"crypto/ed25519"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"encoding/hex"
	"encoding/pem"
	"errors"
	"fmt"
	"io/fs"
	"os"
)

// The key files are the PEM encodings openssl uses, so a vendor can make and
// keep keys with either tool: `openssl genpkey -algorithm ed25519` writes the
// private key as PKCS#8 "PRIVATE KEY", `openssl pkey -pubout` the public key
// as PKIX "PUBLIC KEY"; `gwsconform keygen` (WriteKeyPair) writes the same two.
const (
	privatePEMType = "PRIVATE KEY"
	publicPEMType  = "PUBLIC KEY"
)

// Fingerprint names a public key in a manifest: "sha256:" and the hex SHA-256
// of its PKIX (DER) encoding, which is what
// `openssl pkey -pubin -in KEY.pub -outform DER | sha256sum` prints, so a
// reviewer can compare it with a key published elsewhere.
func Fingerprint(pub ed25519.PublicKey) string {
	der, err := x509.MarshalPKIXPublicKey(pub)
	if err != nil {
		// Only a key of the wrong length fails, and ParsePublicKey never returns one.
		return "sha256:invalid-key"
	}
	sum := sha256.Sum256(der)
	return "sha256:" + hex.EncodeToString(sum[:])
}

// ReadPrivateKey reads an Ed25519 private key from a PEM "PRIVATE KEY" file.
func ReadPrivateKey(path string) (ed25519.PrivateKey, error) {
	der, err := readPEM(path, privatePEMType)
	if err != nil {
		return nil, err
	}
	key, err := x509.ParsePKCS8PrivateKey(der)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	ed, ok := key.(ed25519.PrivateKey)
	if !ok {
		return nil, fmt.Errorf("%s: a %T, want an Ed25519 key (openssl genpkey -algorithm ed25519, or gwsconform keygen)", path, key)
	}
	return ed, nil
}

// ReadPublicKey reads an Ed25519 public key from a PEM "PUBLIC KEY" file.
func ReadPublicKey(path string) (ed25519.PublicKey, error) {
	der, err := readPEM(path, publicPEMType)
	if err != nil {
		return nil, err
	}
	key, err := x509.ParsePKIXPublicKey(der)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	ed, ok := key.(ed25519.PublicKey)
	if !ok {
		return nil, fmt.Errorf("%s: a %T, want an Ed25519 key (openssl pkey -pubout, or gwsconform keygen)", path, key)
	}
	return ed, nil
}

// readPEM returns the DER bytes of the first PEM block of path, which must be
// of type want: a public key given where the private one is expected (or the
// reverse) is the likely mistake, so the error says which is which.
func readPEM(path, want string) ([]byte, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	block, _ := pem.Decode(data)
	if block == nil {
		return nil, fmt.Errorf("%s: not a PEM file (want -----BEGIN %s-----)", path, want)
	}
	if block.Type != want {
		return nil, fmt.Errorf("%s: a PEM %q block, want %q", path, block.Type, want)
	}
	return block.Bytes, nil
}

// WriteKeyPair makes a new Ed25519 key pair and writes prefix+".key" (the
// private key, mode 0600) and prefix+".pub". It never overwrites a file: a
// lost signing key cannot be made again, and a silently replaced one would
// make every bundle signed with the old one unverifiable against the new .pub.
// It returns the paths and the public key's fingerprint.
func WriteKeyPair(prefix string) (keyFile, pubFile, fingerprint string, err error) {
	keyFile, pubFile = prefix+".key", prefix+".pub"
	for _, p := range []string{keyFile, pubFile} {
		if _, err := os.Lstat(p); err == nil {
			return "", "", "", fmt.Errorf("%s exists; not overwriting a key", p)
		} else if !errors.Is(err, fs.ErrNotExist) {
			return "", "", "", err
		}
	}
	pub, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		return "", "", "", err
	}
	privDER, err := x509.MarshalPKCS8PrivateKey(priv)
	if err != nil {
		return "", "", "", err
	}
	pubDER, err := x509.MarshalPKIXPublicKey(pub)
	if err != nil {
		return "", "", "", err
	}
	if err := writeNew(keyFile, 0o600, pem.EncodeToMemory(&pem.Block{Type: privatePEMType, Bytes: privDER})); err != nil {
		return "", "", "", err
	}
	if err := writeNew(pubFile, 0o644, pem.EncodeToMemory(&pem.Block{Type: publicPEMType, Bytes: pubDER})); err != nil {
		os.Remove(keyFile) // half a pair is no use to anyone
		return "", "", "", err
	}
	return keyFile, pubFile, Fingerprint(pub), nil
}

// writeNew creates path with mode perm (O_EXCL: never over an existing file,
// nor through a symlink someone planted) and writes data.
func writeNew(path string, perm os.FileMode, data []byte) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, perm)
	if err != nil {
		return err
	}
	_, err = f.Write(data)
	return errors.Join(err, f.Close())
}
