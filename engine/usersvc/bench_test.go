package usersvc

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
)

// benchService builds a service and returns it with an admin access token, calling the
// handler directly so the figures are the service's own cost, not the network's.
func benchService(b *testing.B, cost int) (*Service, string) {
	b.Helper()
	s, err := New(Config{BcryptCost: cost})
	if err != nil {
		b.Fatal(err)
	}
	w := httptest.NewRecorder()
	s.ServeHTTP(w, httptest.NewRequest("POST", "/api/v1/auth/login", strings.NewReader(`{"username":"admin","password":"admin"}`)))
	if w.Code != 200 {
		b.Fatalf("login: %d %s", w.Code, w.Body)
	}
	var tk tokens
	if err := json.Unmarshal(w.Body.Bytes(), &tk); err != nil {
		b.Fatal(err)
	}
	return s, tk.AccessToken
}

// BenchmarkLogin measures a successful login (bcrypt compare + JWT signing) per
// bcrypt cost; docs/target.md quotes it.
func BenchmarkLogin(b *testing.B) {
	for _, cost := range []int{4, 6, 8, 10, 12} {
		b.Run("cost="+strconv.Itoa(cost), func(b *testing.B) {
			s, _ := benchService(b, cost)
			const body = `{"username":"admin","password":"admin"}`
			b.ReportAllocs()
			for b.Loop() {
				w := httptest.NewRecorder()
				s.ServeHTTP(w, httptest.NewRequest("POST", "/api/v1/auth/login", strings.NewReader(body)))
				if w.Code != 200 {
					b.Fatalf("login: %d", w.Code)
				}
			}
		})
	}
}

// BenchmarkGetUser measures an authenticated GET /api/v1/users/{id}: JWT check,
// revocation lookup, store read, JSON answer, metrics.
func BenchmarkGetUser(b *testing.B) {
	s, token := benchService(b, 4)
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		req := httptest.NewRequest("GET", "/api/v1/users/1", nil)
		req.Header.Set("Authorization", "Bearer "+token)
		for pb.Next() {
			w := httptest.NewRecorder()
			s.ServeHTTP(w, req)
			if w.Code != http.StatusOK {
				b.Fatalf("get user: %d", w.Code)
			}
		}
	})
}

// BenchmarkSearchUsers measures a search over 10,000 users.
func BenchmarkSearchUsers(b *testing.B) {
	s, token := benchService(b, 4)
	for i := range 10_000 {
		name := "sim_abcdefgh_u" + strconv.Itoa(i)
		w := httptest.NewRecorder()
		s.ServeHTTP(w, httptest.NewRequest("POST", "/api/v1/users", strings.NewReader(
			`{"username":"`+name+`","email":"`+name+`@simulation.test","password":"secret123","name":"N"}`)))
		if w.Code != 201 {
			b.Fatalf("register: %d %s", w.Code, w.Body)
		}
	}
	req := httptest.NewRequest("GET", "/api/v1/users/search?q=u99&per_page=20", nil)
	req.Header.Set("Authorization", "Bearer "+token)
	b.ReportAllocs()
	for b.Loop() {
		w := httptest.NewRecorder()
		s.ServeHTTP(w, req)
		if w.Code != http.StatusOK {
			b.Fatalf("search: %d", w.Code)
		}
	}
}
