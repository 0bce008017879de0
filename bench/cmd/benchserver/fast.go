package main

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"strconv"
	"syscall"

	"github.com/valyala/fasthttp"
)

// serveFast answers on fasthttp (-fast): plain HTTP/1.1 and the small or list
// body only. net/http tops out near 30,000 answers a second on one core here,
// below what a load generator sends when 10,000 VUs start at once (sweep s),
// so with it the start-up measured the server; fasthttp answers about three
// times as many, so the engine is what is measured.
func serveFast(addr string) error {
	length := len(body)
	srv := &fasthttp.Server{
		Handler: func(c *fasthttp.RequestCtx) {
			if string(c.Path()) == countPath {
				c.SetBody(strconv.AppendInt(nil, answered.Load(), 10))
				return
			}
			answered.Add(1)
			c.SetContentType("application/json")
			c.Response.Header.SetContentLength(length)
			c.SetBody(body)
		},
		Name:                          "benchserver",
		NoDefaultDate:                 true,
		DisableHeaderNamesNormalizing: true,
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	go func() {
		<-ctx.Done()
		_ = srv.Shutdown()
	}()
	slog.Info("benchserver listening (fasthttp)", "addr", addr)
	if err := srv.ListenAndServe(addr); err != nil {
		return fmt.Errorf("serve %s: %w", addr, err)
	}
	return nil
}
