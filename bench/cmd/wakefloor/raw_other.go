//go:build !linux

package main

import (
	"errors"
	"time"
)

func rawTrips(string, int, time.Duration) (int64, error) {
	return 0, errors.New("-raw needs Linux (epoll)")
}
