// Package certify decides what a run certifies: the profiles a target claims
// (named sets of features) and whether each claim holds, from the results of
// the scenarios alone, so that a reviewer can re-derive every verdict of a
// bundle offline.
package certify

import (
	"fmt"
	"slices"
	"strings"

	"github.com/gwsconform/gwsconform/internal/gws"
)

// Profile is a named set of features a vendor can claim. A scenario belongs to
// a profile when it requires at least one of the profile's own features and
// every feature it requires is the profile's or one of the profiles it builds
// on: a claim of consult-conference covers "consult, then send a URL", but
// not "consult, then attach user data".
type Profile struct {
	Name        string
	Description string
	Features    []gws.Feature
	BuildsOn    []string // names of the profiles whose features it may use too
}

var profiles = []Profile{
	{
		Name:        "core-chat",
		Description: "customers request chats through the customer API; an agent accepts, rejects, messages, types, leaves and completes them in the chats dialect, with CometD notifications (seeds 003, 004)",
		Features:    []gws.Feature{gws.FeatureChats, gws.FeatureCustomer, "notifications", "chats.url", "chats.agents-only", "routing.reject-reroutes"},
	},
	{
		Name:        "consult-conference",
		Description: "consult an agent or a queue out of the customer's sight, invite into a conference, transfer (seeds 000, 001)",
		Features:    []gws.Feature{"chats.consult", "chats.invite", "chats.transfer", "queues"},
		BuildsOn:    []string{"core-chat"},
	},
	{
		Name:        "userdata-disposition",
		Description: "attach, update and delete user data, set a disposition",
		Features:    []gws.Feature{"chats.userdata", "chats.disposition"},
		BuildsOn:    []string{"core-chat"},
	},
	{
		Name:        "interactions",
		Description: "the interactions dialect, POST /api/v2/me/interactions/{id} (seed 002)",
		Features:    []gws.Feature{gws.FeatureInteractions},
		BuildsOn:    []string{"core-chat", "consult-conference", "userdata-disposition"},
	},
	{
		Name:        "customer-secure-key",
		Description: "the customer API issues a secureKey with each chat and refuses a customer request with a wrong one",
		Features:    []gws.Feature{"customer.secure-key"},
		BuildsOn:    []string{"core-chat"},
	},
	{
		Name:        "errors",
		Description: "refusals: an operation on an unavailable or unknown party fails by its answer or by an Error notification",
		Features:    []gws.Feature{"errors.async", "errors.sync-unknown-target"},
		BuildsOn:    []string{"consult-conference", "interactions"},
	},
}

// Profiles returns every profile, in the order they build on each other.
func Profiles() []Profile {
	out := make([]Profile, len(profiles))
	for i, p := range profiles {
		p.Features = slices.Clone(p.Features)
		p.BuildsOn = slices.Clone(p.BuildsOn)
		out[i] = p
	}
	return out
}

// Lookup returns the profile of that name.
func Lookup(name string) (Profile, bool) {
	for _, p := range Profiles() {
		if p.Name == name {
			return p, true
		}
	}
	return Profile{}, false
}

// CheckClaims is an error naming each claimed profile that does not exist.
func CheckClaims(claimed []string, from string) error {
	var unknown []string
	for _, c := range claimed {
		if _, ok := Lookup(c); !ok {
			unknown = append(unknown, fmt.Sprintf("%q", c))
		}
	}
	if len(unknown) == 0 {
		return nil
	}
	names := make([]string, len(profiles))
	for i, p := range profiles {
		names[i] = p.Name
	}
	return fmt.Errorf("%s: no profile %s (profiles: %s; gwsconform profiles lists them)", from, strings.Join(unknown, ", "), strings.Join(names, ", "))
}

// reach is the features a scenario of p may require: p's own and those of
// every profile it builds on, transitively.
func (p Profile) reach() map[gws.Feature]bool {
	out := map[gws.Feature]bool{}
	var add func(Profile)
	add = func(q Profile) {
		for _, f := range q.Features {
			out[f] = true
		}
		for _, name := range q.BuildsOn {
			if base, ok := Lookup(name); ok {
				add(base)
			}
		}
	}
	add(p)
	return out
}

// Covers reports whether a scenario requiring these features belongs to p.
// The customer-kind features (gws.CustomerKindFeatures) say which customer
// API a scenario is written for, not what it proves: they belong to no
// profile, and a run leaves the other kind's scenarios out of its claims
// (Applies).
func (p Profile) Covers(requires []string) bool {
	reach := p.reach()
	own := false
	for _, r := range requires {
		f := gws.Feature(r)
		if _, kind := gws.CustomerKindFeatures[f]; kind {
			continue
		}
		if !reach[f] {
			return false
		}
		own = own || slices.Contains(p.Features, f)
	}
	return own
}

// Applies reports whether a scenario requiring these features can be played
// by a target whose customers use customerAPI ("gws" or "gms"): one written
// for the other kind of customer is no part of that target's claims.
func Applies(requires []string, customerAPI string) bool {
	for _, r := range requires {
		if api, kind := gws.CustomerKindFeatures[gws.Feature(r)]; kind && api != customerAPI {
			return false
		}
	}
	return true
}
