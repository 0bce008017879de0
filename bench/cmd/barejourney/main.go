// Command barejourney is the floor of sweep j (docs/benchmarks.md): the journey
// of bench/k6/journey.js written as plain Go — N goroutines over one shared
// http.Transport, each iteration a new user who registers, logs in, looks
// around, edits their account and profile and logs out — with encoding/json,
// a status check per request and no recording at all. What trafficsim spends
// per journey request above it is the engine's own; what this costs is what any
// Go client pays on the machine for those requests.
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/url"
	"os"
	"strconv"
	"sync"
	"sync/atomic"
	"time"
)

func main() {
	base := flag.String("base", "http://127.0.0.1:9501", "the reference target's base URL")
	conns := flag.Int("c", 50, "concurrent users (goroutines)")
	dur := flag.Duration("d", 10*time.Second, "duration")
	flag.Parse()
	if *conns < 1 || *dur <= 0 {
		fmt.Fprintln(os.Stderr, "barejourney: -c must be ≥ 1 and -d > 0")
		os.Exit(2)
	}
	tr := &http.Transport{MaxIdleConnsPerHost: *conns, MaxConnsPerHost: *conns, DisableCompression: true}
	j := &journey{
		client: &http.Client{Transport: tr},
		api:    *base + "/api/v1",
		run:    "bare" + strconv.FormatInt(time.Now().UnixNano()%100000, 10),
	}
	ctx, cancel := context.WithTimeout(context.Background(), *dur)
	defer cancel()
	var wg sync.WaitGroup
	start := time.Now()
	for vu := range *conns {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for iter := 0; ctx.Err() == nil; iter++ {
				_ = j.iterate(ctx, vu, iter) // do counts what failed
			}
		}()
	}
	wg.Wait()
	elapsed := time.Since(start).Seconds()
	fmt.Printf("requests=%d errors=%d seconds=%.2f rps=%.0f\n", j.ok.Load(), j.failed.Load(), elapsed, float64(j.ok.Load())/elapsed)
	if j.ok.Load() == 0 {
		os.Exit(1)
	}
}

type journey struct {
	client     *http.Client
	api, run   string
	ok, failed atomic.Int64
}

type user struct {
	ID       int64  `json:"id"`
	Username string `json:"username"`
	Name     string `json:"name"`
}

type page struct {
	Data []struct {
		ID int64 `json:"id"`
	} `json:"data"`
}

// iterate is one pass of the journey; it stops at the first failed step, as
// the k6 script does for sign-up and login.
func (j *journey) iterate(ctx context.Context, vu, iter int) error {
	username := fmt.Sprintf("sim_%s_u%d_%d", j.run, vu, iter)
	email := username + "@simulation.test"
	password := "S" + strconv.FormatUint(rand.Uint64(), 36) + "-7"

	var me user
	if err := j.do(ctx, http.MethodPost, "/users", "", map[string]string{
		"username": username, "email": email, "password": password, "name": "Ada Lovelace",
	}, http.StatusCreated, &me); err != nil {
		return err
	}
	var tokens struct {
		Access  string `json:"access_token"`
		Refresh string `json:"refresh_token"`
	}
	if err := j.do(ctx, http.MethodPost, "/auth/login", "", map[string]string{
		"username": username, "password": password,
	}, http.StatusOK, &tokens); err != nil {
		return err
	}
	tok := tokens.Access
	var errs []error
	step := func(method, path string, body any, want int, out any) {
		errs = append(errs, j.do(ctx, method, path, tok, body, want, out))
	}
	var self user
	step(http.MethodPost, "/auth/me", nil, http.StatusOK, &self)
	var users page
	step(http.MethodGet, "/users?page=1&per_page=20", nil, http.StatusOK, &users)
	other := me.ID
	if len(users.Data) > 0 {
		other = users.Data[rand.IntN(len(users.Data))].ID
	}
	step(http.MethodGet, "/users/search?q="+url.QueryEscape("sim_"+j.run)+"&per_page=10", nil, http.StatusOK, &page{})
	step(http.MethodGet, "/users/"+strconv.FormatInt(other, 10), nil, http.StatusOK, &user{})
	step(http.MethodGet, "/users/email/"+url.PathEscape(email), nil, http.StatusOK, &user{})
	step(http.MethodGet, "/users/username/"+url.PathEscape(username), nil, http.StatusOK, &user{})
	var roles page
	step(http.MethodGet, "/roles?page=1&per_page=20", nil, http.StatusOK, &roles)
	if len(roles.Data) > 0 {
		step(http.MethodGet, "/roles/"+strconv.FormatInt(roles.Data[0].ID, 10), nil, http.StatusOK, nil)
	}
	step(http.MethodGet, "/permissions?page=1&per_page=20", nil, http.StatusOK, &page{})
	id := strconv.FormatInt(me.ID, 10)
	step(http.MethodGet, "/users/"+id+"/roles", nil, http.StatusOK, nil)
	step(http.MethodPut, "/users/"+id, map[string]string{"name": "Grace Hopper"}, http.StatusOK, &user{})
	profile := "/users/" + id + "/profile"
	step(http.MethodPost, profile, map[string]string{
		"bio": "Coffee first.", "location": "Lisbon", "website": "https://example.org/" + username, "phone": "+491511234567",
	}, http.StatusCreated, nil)
	step(http.MethodGet, profile, nil, http.StatusOK, &struct {
		Location string `json:"location"`
	}{})
	step(http.MethodPut, profile, map[string]string{"bio": "Building things that last."}, http.StatusOK, nil)
	step(http.MethodDelete, profile, nil, http.StatusNoContent, nil)
	step(http.MethodPost, "/auth/logout", map[string]string{"refresh_token": tokens.Refresh}, http.StatusNoContent, nil)
	return errors.Join(errs...)
}

// do sends one request, checks its status and decodes the answer into out
// (when out is nil the body is read and dropped, as k6 reads every body).
func (j *journey) do(ctx context.Context, method, path, token string, body any, want int, out any) error {
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return err
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, j.api+path, rd)
	if err != nil {
		return err
	}
	req.Header.Set("Accept", "application/json")
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := j.client.Do(req)
	if err != nil {
		if ctx.Err() == nil {
			j.failed.Add(1)
		}
		return err
	}
	defer resp.Body.Close()
	if out != nil && resp.StatusCode == want {
		err = json.NewDecoder(resp.Body).Decode(out)
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	if resp.StatusCode != want {
		j.failed.Add(1)
		return fmt.Errorf("%s %s: status %d, want %d", method, path, resp.StatusCode, want)
	}
	j.ok.Add(1)
	return err
}
