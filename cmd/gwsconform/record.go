package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"strings"

	"github.com/gwsconform/gwsconform/internal/generate"
	"github.com/gwsconform/gwsconform/internal/recorder"
)

// cmdRecord runs the recording proxy until ctx is cancelled (Ctrl-C), or, as
// `record generate`, writes a scenario from an existing recording.
func cmdRecord(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) > 0 && args[0] == "generate" {
		return cmdRecordGenerate(args[1:], stdout, stderr)
	}
	fs := flag.NewFlagSet("record", flag.ContinueOnError)
	fs.SetOutput(stderr)
	target := fs.String("target", "", "`URL` of the server to record (required), e.g. http://gws.example:8080")
	listen := fs.String("listen", "127.0.0.1:8090", "`HOST:PORT` the proxy listens on; point clients here")
	out := fs.String("out", "", "`DIR` to write the recording to (required; created if missing)")
	scenario := fs.String("scenario", "", "also write DIR/`NAME`.yaml, a scenario generated from the recording, at stop")
	notifications := fs.String("notifications", recorder.DefaultNotificationsPath, "the target's CometD endpoint `PATH`")
	maxBody := fs.Int64("max-body", recorder.DefaultMaxBody, "capture at most `BYTES` of each body (clients always get all of it)")
	var redactHeaders, redactJSON stringsFlag
	fs.Var(&redactHeaders, "redact-header", "also redact this header's values (`NAME`, repeatable)")
	fs.Var(&redactJSON, "redact-json", "also redact the value at this JSON `POINTER` in every body (repeatable; * matches any key)")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: gwsconform record --target URL --out DIR [--listen HOST:PORT] [--scenario NAME] [--redact-header H]... [--redact-json /pointer]...")
		fmt.Fprintln(stderr, "       gwsconform record generate --fixtures DIR --name NAME [--out FILE]")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil
		}
		return &exitError{code: 2, err: fmt.Errorf("record: %w", err)}
	}
	if fs.NArg() > 0 {
		return &exitError{code: 2, err: fmt.Errorf("record: unexpected argument %q (flags only, or 'record generate')", fs.Arg(0))}
	}
	if *target == "" || *out == "" {
		fs.Usage()
		return &exitError{code: 2, err: errors.New("record: --target and --out are required")}
	}
	targetURL, err := url.Parse(*target)
	if err != nil || (targetURL.Scheme != "http" && targetURL.Scheme != "https") || targetURL.Host == "" {
		return &exitError{code: 2, err: fmt.Errorf("record: --target %q: want an http(s) URL such as http://host:8080", *target)}
	}
	if *scenario != "" && scenarioFile(*scenario) == "" {
		return &exitError{code: 2, err: fmt.Errorf("record: --scenario %q: needs at least one letter or digit", *scenario)}
	}
	rec, err := recorder.New(recorder.Options{
		Target:            targetURL,
		Dir:               *out,
		NotificationsPath: *notifications,
		MaxBody:           *maxBody,
		Redact:            recorder.RedactRules{Headers: redactHeaders, JSONPointers: redactJSON},
		Logger:            slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: slog.LevelWarn})),
	})
	if err != nil {
		return &exitError{code: 2, err: fmt.Errorf("record: %w", err)}
	}
	ln, err := net.Listen("tcp", *listen)
	if err != nil {
		rec.Close()
		return fmt.Errorf("record: --listen %s: %w", *listen, err)
	}
	fmt.Fprintf(stdout, "listening on http://%s\n", ln.Addr())
	fmt.Fprintf(stderr, "recording %s into %s (Ctrl-C to stop)\n", targetURL, *out)

	shown := int64(-1)
	progress := func() {
		if n := rec.Count(); n != shown {
			fmt.Fprintf(stderr, "recorded %s\n", exchangeCount(n))
			shown = n
		}
	}
	serveErr := serveUntil(ctx, ln, rec, progress, nil)
	closeErr := rec.Close()
	fmt.Fprintf(stderr, "recorded %s into %s\n", exchangeCount(rec.Count()), *out)
	if serveErr != nil {
		return fmt.Errorf("record: %w", serveErr)
	}
	if closeErr != nil {
		return fmt.Errorf("record: %w", closeErr)
	}
	if *scenario != "" {
		path := filepath.Join(*out, scenarioFile(*scenario))
		if err := writeScenario(*out, *scenario, path); err != nil {
			return fmt.Errorf("record: --scenario: %w", err)
		}
		fmt.Fprintf(stdout, "wrote scenario %s\n", path)
	}
	return nil
}

// cmdRecordGenerate writes a scenario from an existing recording.
func cmdRecordGenerate(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("record generate", flag.ContinueOnError)
	fs.SetOutput(stderr)
	dir := fs.String("fixtures", "", "recording `DIR` (required)")
	name := fs.String("name", "", "scenario `NAME` (required)")
	out := fs.String("out", "", "write to `FILE` (default DIR/NAME.yaml; - for stdout)")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: gwsconform record generate --fixtures DIR --name NAME [--out FILE]")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil
		}
		return &exitError{code: 2, err: fmt.Errorf("record generate: %w", err)}
	}
	if *dir == "" || *name == "" || fs.NArg() > 0 {
		fs.Usage()
		return &exitError{code: 2, err: errors.New("record generate: --fixtures and --name are required (flags only)")}
	}
	if scenarioFile(*name) == "" {
		return &exitError{code: 2, err: fmt.Errorf("record generate: --name %q: needs at least one letter or digit", *name)}
	}
	if *out == "-" {
		data, err := generate.Generate(*dir, generate.Options{Name: *name})
		if err != nil {
			return fmt.Errorf("record generate: %w", err)
		}
		_, err = stdout.Write(data)
		return err
	}
	path := *out
	if path == "" {
		path = filepath.Join(*dir, scenarioFile(*name))
	}
	if err := writeScenario(*dir, *name, path); err != nil {
		return fmt.Errorf("record generate: %w", err)
	}
	fmt.Fprintf(stdout, "wrote scenario %s\n", path)
	return nil
}

func writeScenario(dir, name, path string) error {
	data, err := generate.Generate(dir, generate.Options{Name: name})
	if err != nil {
		return err
	}
	return os.WriteFile(path, data, 0o644)
}

// scenarioFile is NAME.yaml with anything but letters, digits, '.', '_' and '-' made '-'.
func scenarioFile(name string) string {
	var b strings.Builder
	letters := 0
	for _, r := range strings.TrimSpace(name) {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9':
			letters++
			b.WriteRune(r)
		case r == '.' || r == '_' || r == '-':
			b.WriteRune(r)
		default:
			b.WriteRune('-')
		}
	}
	if letters == 0 {
		return ""
	}
	return strings.TrimSuffix(b.String(), ".yaml") + ".yaml"
}

func exchangeCount(n int64) string {
	if n == 1 {
		return "1 exchange"
	}
	return fmt.Sprintf("%d exchanges", n)
}
