package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"

	"github.com/gwsconform/gwsconform/internal/certify"
)

// cmdKeygen is `gwsconform keygen --out PREFIX`: a new Ed25519 key pair for
// --sign-key and verify --public-key, in the PEM files openssl writes, so a
// vendor needs no other tool.
func cmdKeygen(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fl := flag.NewFlagSet("keygen", flag.ContinueOnError)
	fl.SetOutput(stderr)
	out := fl.String("out", "", "write the private key to `PREFIX`.key (mode 0600) and the public key to PREFIX.pub")
	fl.Usage = func() {
		fmt.Fprintln(stderr, "usage: gwsconform keygen --out PREFIX")
		fmt.Fprintln(stderr, "Makes an Ed25519 key pair: sign bundles with run --sign-key PREFIX.key, give reviewers PREFIX.pub")
		fmt.Fprintln(stderr, "for verify --public-key. Existing files are never overwritten.")
		fl.PrintDefaults()
	}
	if err := fl.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil
		}
		return &exitError{code: 2, err: fmt.Errorf("keygen: %w", err)}
	}
	if *out == "" || fl.NArg() > 0 {
		fl.Usage()
		return &exitError{code: 2, err: errors.New("keygen: want --out PREFIX and no argument")}
	}
	keyFile, pubFile, fp, err := certify.WriteKeyPair(*out)
	if err != nil {
		return &exitError{code: 2, err: fmt.Errorf("keygen: %w", err)}
	}
	fmt.Fprintf(stdout, "private key: %s (keep it secret; gwsconform run --sign-key %s)\n", keyFile, keyFile)
	fmt.Fprintf(stdout, "public key:  %s (give it to reviewers; gwsconform verify --public-key %s DIR)\n", pubFile, pubFile)
	fmt.Fprintf(stdout, "fingerprint: %s (what a signed manifest.json names)\n", fp)
	return nil
}

// checkSignKey is run's --sign-key check, before anything runs: a key that
// cannot sign would otherwise be found only after the whole run.
func checkSignKey(keyFile, reportDir string) error {
	if keyFile == "" {
		return nil
	}
	if reportDir == "" {
		return fmt.Errorf("--sign-key %s: signs the bundle of --report-dir; give --report-dir too", keyFile)
	}
	if _, err := certify.ReadPrivateKey(keyFile); err != nil {
		return fmt.Errorf("--sign-key %s: %w", keyFile, err)
	}
	return nil
}
