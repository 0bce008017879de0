package usersvc

import (
	"context"
	"fmt"
	"net/http"
	"runtime"

	"golang.org/x/crypto/bcrypt"
)

// hashPool runs the password hashing (bcrypt, the service's only CPU-heavy work)
// at most GOMAXPROCS at a time, as a server's worker pool would. Without it a
// burst of thousands of logins is thousands of runnable goroutines sharing the
// cores: every one finishes late (processor sharing), and every other goroutine
// of the process — an embedding engine's timers and VUs included — waits behind
// them for seconds. Requests whose client has gone give up while queued.
type hashPool struct {
	sem  chan struct{}
	cost int
}

func newHashPool(cost int) *hashPool {
	return &hashPool{sem: make(chan struct{}, runtime.GOMAXPROCS(0)), cost: cost}
}

// errClientGone answers a request whose client left while it waited for the pool;
// nobody reads the answer.
var errClientGone = newError(499, "client_closed_request", "the client closed the request before it was served")

func (p *hashPool) acquire(ctx context.Context) error {
	select {
	case p.sem <- struct{}{}:
		return nil
	case <-ctx.Done():
		return errClientGone
	}
}

func (p *hashPool) release() { <-p.sem }

// hash is bcrypt.GenerateFromPassword at the service's cost, inside the pool.
func (p *hashPool) hash(r *http.Request, password string) ([]byte, error) {
	if err := p.acquire(r.Context()); err != nil {
		return nil, err
	}
	defer p.release()
	h, err := bcrypt.GenerateFromPassword([]byte(password), p.cost)
	if err != nil {
		return nil, fmt.Errorf("bcrypt: %w", err)
	}
	return h, nil
}

// matches reports whether password matches hash, inside the pool.
func (p *hashPool) matches(r *http.Request, hash []byte, password string) (bool, error) {
	if err := p.acquire(r.Context()); err != nil {
		return false, err
	}
	defer p.release()
	return bcrypt.CompareHashAndPassword(hash, []byte(password)) == nil, nil
}
