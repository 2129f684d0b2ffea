package certify

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io/fs"
	"path"
	"slices"
	"strings"
)

// Files are the YAML files at or under Root in FS: a scenario directory, one
// file, or the embedded catalogue.
type Files struct {
	FS   fs.FS
	Root string
}

// CatalogueDigest is the SHA-256 of the scenario files a run loaded: of each
// file's path below its root and its content, in path order, so a bundle names
// exactly the scenarios that ran wherever they were checked out.
func CatalogueDigest(sources ...Files) (string, error) {
	type file struct{ shown, full string }
	var lines []string
	for _, src := range sources {
		var files []file
		err := fs.WalkDir(src.FS, src.Root, func(p string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if !d.IsDir() && (strings.HasSuffix(p, ".yaml") || strings.HasSuffix(p, ".yml")) {
				rel := strings.TrimPrefix(strings.TrimPrefix(p, src.Root), "/")
				if rel == "" {
					rel = path.Base(p)
				}
				files = append(files, file{rel, p})
			}
			return nil
		})
		if err != nil {
			return "", fmt.Errorf("catalogue digest: %w", err)
		}
		for _, f := range files {
			data, err := fs.ReadFile(src.FS, f.full)
			if err != nil {
				return "", fmt.Errorf("catalogue digest: %w", err)
			}
			lines = append(lines, fmt.Sprintf("%s\x00%x\n", f.shown, sha256.Sum256(data)))
		}
	}
	slices.Sort(lines)
	h := sha256.New()
	for _, l := range lines {
		h.Write([]byte(l))
	}
	return "sha256:" + hex.EncodeToString(h.Sum(nil)), nil
}
