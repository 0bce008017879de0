//go:build !linux

package main

import (
	"errors"
	"time"
)

func run(string, int, time.Duration) (stats, error) {
	return stats{}, errors.New("the event loop needs Linux (epoll)")
}
