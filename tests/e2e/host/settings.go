package main

import (
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"sync"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/genproto/pluginv2"
)

// settingsStore keeps the app's settings the way Grafana's plugin settings API does:
// jsonData as sent, secureJsonData write-only (reported back only as configured
// flags), and an update time that makes the plugin SDK recreate the app instance.
type settingsStore struct {
	mu       sync.Mutex
	enabled  bool
	pinned   bool
	jsonData json.RawMessage
	secure   map[string]string
	updated  time.Time
}

func newSettingsStore(initialJSON string) (*settingsStore, error) {
	s := &settingsStore{enabled: true, pinned: true, jsonData: json.RawMessage(`{}`), secure: map[string]string{}, updated: time.Now()}
	if initialJSON != "" {
		var obj map[string]any
		if err := json.Unmarshal([]byte(initialJSON), &obj); err != nil {
			return nil, fmt.Errorf("-settings: %w; pass a JSON object of the app's jsonData, e.g. '{\"maxUsers\": 50}'", err)
		}
		s.jsonData = json.RawMessage(initialJSON)
	}
	return s, nil
}

// settingsView is GET /api/plugins/<id>/settings: what Grafana's HTTP API reports.
type settingsView struct {
	ID               string          `json:"id"`
	Type             string          `json:"type"`
	Enabled          bool            `json:"enabled"`
	Pinned           bool            `json:"pinned"`
	JSONData         json.RawMessage `json:"jsonData"`
	SecureJSONFields map[string]bool `json:"secureJsonFields"`
}

func (s *settingsStore) view() settingsView {
	s.mu.Lock()
	defer s.mu.Unlock()
	fields := map[string]bool{}
	for k := range s.secure {
		fields[k] = true
	}
	return settingsView{ID: pluginID, Type: "app", Enabled: s.enabled, Pinned: s.pinned, JSONData: s.jsonData, SecureJSONFields: fields}
}

// settingsUpdate is POST /api/plugins/<id>/settings.
type settingsUpdate struct {
	Enabled        *bool              `json:"enabled"`
	Pinned         *bool              `json:"pinned"`
	JSONData       json.RawMessage    `json:"jsonData"`
	SecureJSONData map[string]*string `json:"secureJsonData"`
}

// update applies u. As in Grafana, secrets not named keep their stored value; a
// named secret is replaced; an empty one is removed (the frontend's Reset).
func (s *settingsStore) update(u settingsUpdate) error {
	if len(u.JSONData) > 0 && string(u.JSONData) != "null" {
		var obj map[string]any
		if err := json.Unmarshal(u.JSONData, &obj); err != nil {
			return fmt.Errorf("jsonData: %w; send a JSON object", err)
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if u.Enabled != nil {
		s.enabled = *u.Enabled
	}
	if u.Pinned != nil {
		s.pinned = *u.Pinned
	}
	if len(u.JSONData) > 0 && string(u.JSONData) != "null" {
		s.jsonData = slices.Clone(u.JSONData)
	}
	for k, v := range u.SecureJSONData {
		if v == nil || *v == "" {
			delete(s.secure, k)
			continue
		}
		s.secure[k] = *v
	}
	// The SDK's instance manager recreates the app instance when this changes; keep
	// it strictly increasing even for two saves within a millisecond.
	now := time.Now()
	if !now.After(s.updated.Add(time.Millisecond)) {
		now = s.updated.Add(time.Millisecond)
	}
	s.updated = now
	return nil
}

// instanceSettings is what the plugin receives with every call, secrets decrypted.
func (s *settingsStore) instanceSettings() *pluginv2.AppInstanceSettings {
	s.mu.Lock()
	defer s.mu.Unlock()
	return &pluginv2.AppInstanceSettings{
		JsonData:                slices.Clone(s.jsonData),
		DecryptedSecureJsonData: maps.Clone(s.secure),
		LastUpdatedMS:           s.updated.UnixMilli(),
	}
}
