//go:build !linux

package main

import (
	"errors"
	"time"
)

func rawTrips(string, int, time.Duration, bool, bool) (int64, error) {
	return 0, errors.New("-raw and -coro need Linux (epoll)")
}

func rawConnTrips(string, int, time.Duration) (int64, error) {
	return 0, errors.New("-rawconn needs Linux")
}
