package gws

import (
	"maps"
	"slices"
)

// Feature names a part of the API a target may or may not offer; scenarios
// `require` them and targets declare them.
type Feature string

// The features the registry's operations name; the others appear only in
// scenarios' `requires`.
const (
	FeatureChats        Feature = "chats"
	FeatureInteractions Feature = "interactions"
	FeatureCustomer     Feature = "customer"
	// FeatureGMS: the target's customers use GMS Chat API v2 (customerAPI: gms);
	// scenarios that call GMS operations by their GMS names require it.
	FeatureGMS Feature = "customer.gms"
	// FeatureGWSCustomer: the target's customers use the GWS customer API
	// (customerAPI: gws); scenarios that only it can express (GetChat,
	// GetMessages, its raw paths and answer shapes) require it.
	FeatureGWSCustomer Feature = "customer.gws-api"
)

// CustomerKindFeatures are the features that follow the target's customer API
// (the value: its customerAPI) besides what it declares: one target has one
// kind of customer, so a scenario written for the other kind is skipped.
var CustomerKindFeatures = map[Feature]string{
	FeatureGMS:         "gms",
	FeatureGWSCustomer: "gws",
}

// features lists every feature a scenario may require, with what it means.
var features = map[Feature]string{
	FeatureChats:                 "the chats dialect: POST /api/v2/me/chats/{id} Accept, Reject, Leave, Complete, messages, typing, SetInFocus",
	"chats.consult":              "Consult (seed 001)",
	"chats.invite":               "Invite, a conference visible to the customer (seed 000)",
	"chats.transfer":             "Transfer",
	"chats.url":                  "SendUrl (PushUrl messages)",
	"chats.agents-only":          "SendToAgents and the typing-to-agents notices (visibility Agents)",
	"chats.userdata":             "AttachUserData, UpdateUserData, DeleteUserData",
	"chats.disposition":          "SetDisposition",
	"queues":                     "routing to and consulting/transferring to queues",
	FeatureInteractions:          "the interactions dialect: POST /api/v2/me/interactions/{id} (seed 002)",
	FeatureCustomer:              "the customer chat API: /api/v2/chats",
	FeatureGMS:                   "the target's customers use GMS Chat API v2 (/genesys/2/chat/{serviceName}; target customerAPI: gms)",
	FeatureGWSCustomer:           "the target's customers use the GWS customer API (/api/v2/chats; target customerAPI: gws, the default): what GMS cannot express (GetChat, GetMessages, its paths and answer shapes)",
	"customer.secure-key":        "the customer API issues a secureKey on RequestChat and refuses customer requests with a wrong one (no GWS page documents it)",
	"notifications":              "CometD notifications on /api/v2/notifications",
	"errors.async":               "a Consult or Invite of a NotReady agent, and an Invite or Transfer the target rejects, answer statusCode 0 and fail by a later Error notification carrying the referenceId (seeds 000, 001 show the Error, not its triggers)",
	"errors.sync-unknown-target": "a Consult, Invite, InviteUser or transfer to a user that does not exist is refused in its answer (statusCode above 0), not by a later Error notification",
	"routing.reject-reroutes":    "a rejected chat is offered to the next routing candidate, never again to the agent who rejected it",
}

// Describe says what feature f means; false when f is no feature.
func Describe(f Feature) (string, bool) {
	d, ok := features[f]
	return d, ok
}

// FeatureNames returns the valid feature names, sorted.
func FeatureNames() []string {
	names := make([]string, 0, len(features))
	for f := range maps.Keys(features) {
		names = append(names, string(f))
	}
	slices.Sort(names)
	return names
}
