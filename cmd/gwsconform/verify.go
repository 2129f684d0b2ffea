package main

import (
	"context"
	"crypto/ed25519"
	"errors"
	"flag"
	"fmt"
	"io"

	"github.com/gwsconform/gwsconform/internal/certify"
)

// cmdVerify is `gwsconform verify [--public-key FILE] DIR`: what a reviewer
// runs on a bundle (certify.Verify). It prints what it checked, then each
// problem; exit 0 verified, 1 a problem, 2 bad usage or a DIR or key that
// cannot be read.
func cmdVerify(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fl := flag.NewFlagSet("verify", flag.ContinueOnError)
	fl.SetOutput(stderr)
	pubFile := fl.String("public-key", "", "check the bundle's signature with the Ed25519 public key in `FILE` (PEM, from gwsconform keygen or openssl pkey -pubout); an unsigned bundle then fails")
	fl.Usage = func() {
		fmt.Fprintln(stderr, "usage: gwsconform verify [--public-key FILE] DIR")
		fmt.Fprintln(stderr, "Checks a bundle written by gwsconform run --report-dir DIR: every file against manifest.json,")
		fmt.Fprintln(stderr, "the signature, and that the verdicts in results.json and junit.xml follow from its scenario outcomes.")
		fmt.Fprintln(stderr, "Exit status: 0 verified, 1 a problem found, 2 bad usage or unreadable.")
		fl.PrintDefaults()
	}
	// Flags before or after DIR: `verify out --public-key k.pub` reads as it is meant.
	if err := fl.Parse(args); err != nil {
		return usageError(err)
	}
	rest := fl.Args()
	if len(rest) > 0 {
		if err := fl.Parse(rest[1:]); err != nil {
			return usageError(err)
		}
	}
	if len(rest) == 0 || fl.NArg() > 0 {
		fl.Usage()
		return &exitError{code: 2, err: errors.New("verify: want exactly one DIR")}
	}
	dir := rest[0]
	var key ed25519.PublicKey
	if *pubFile != "" {
		var err error
		if key, err = certify.ReadPublicKey(*pubFile); err != nil {
			return &exitError{code: 2, err: fmt.Errorf("verify: --public-key %s: %w", *pubFile, err)}
		}
	}
	rep, err := certify.Verify(dir, key)
	if err != nil {
		return &exitError{code: 2, err: fmt.Errorf("verify: %w", err)}
	}
	fmt.Fprintf(stdout, "gwsconform verify %s\n", dir)
	for _, c := range rep.Checked {
		fmt.Fprintf(stdout, "  checked  %s\n", c)
	}
	for _, p := range rep.Problems {
		fmt.Fprintf(stdout, "  PROBLEM  %s\n", p)
	}
	if !rep.OK() {
		fmt.Fprintf(stdout, "gwsconform verify: FAIL: %d problem(s) in %s\n", len(rep.Problems), dir)
		return &exitError{code: 1}
	}
	fmt.Fprintf(stdout, "gwsconform verify: OK (signature: %s)\n", rep.Signature)
	return nil
}

// usageError is a flag error as verify's exit 2; -h is no error.
func usageError(err error) error {
	if errors.Is(err, flag.ErrHelp) {
		return nil
	}
	return &exitError{code: 2, err: fmt.Errorf("verify: %w", err)}
}
