package certify

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
)

// PlanDigest is the digest of a plan split across machines: the catalogue it
// was made from, the number of parts and each part's scenario names, in part
// order. Every part's bundle carries it, and merging parts recomputes it from
// their lists, so a part left out, played twice or planned from other files
// cannot pass for the whole.
func PlanDigest(catalogueDigest string, parts [][]string) string {
	h := sha256.New()
	fmt.Fprintf(h, "catalogue %s\nparts %d\n", catalogueDigest, len(parts))
	for i, names := range parts {
		for _, n := range names {
			fmt.Fprintf(h, "%d\x00%s\n", i+1, n)
		}
	}
	return "sha256:" + hex.EncodeToString(h.Sum(nil))
}
